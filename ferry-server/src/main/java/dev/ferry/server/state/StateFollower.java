package dev.ferry.server.state;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Payload;
import dev.ferry.server.hub.Hub;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client following one state channel, whatever it is connected by (ferry.v1, SSE): it subscribes to the
 * channel's topic through its {@link Feed} (a channel of the client's connection core) and hands its {@link Sink}
 * a snapshot and then every change as a patch, in order.
 *
 * <p><b>Snapshot, then patches, with no gap.</b> {@link #start} reads the document (which also checks that the
 * topic is a state channel), then subscribes to the topic recovering from the version the client holds if it
 * gave one and history still has what follows it, else from the version just read. Either way the hub replays
 * the missing patches right after the subscription is answered, and live ones follow. When history cannot bridge
 * the gap (the channel changed faster than history keeps) the follower buffers live publications, reads the
 * document again, and releases the buffered patches newer than that snapshot after it. A publication that does
 * not follow the version the client holds (another epoch, or a gap) triggers the same resynchronisation.
 *
 * <p>Lifecycle: {@link #start} once, then sink calls, then {@link #stop} (idempotent). Threading: confined to the
 * client's event loop ({@link #executor()}); the sink is called there.
 */
public final class StateFollower {
    private static final Logger log = LoggerFactory.getLogger(StateFollower.class);

    /**
     * How followers reach their topics' publications: the client's connection core subscribes a follower to its
     * topic and hands it the publications ({@link #publication}) and interruptions ({@link #interrupted}) of that
     * subscription alone, on the follower's event loop.
     */
    public interface Feed {
        /** Subscribes {@code follower} to its topic recovering from {@code since}; {@code then} as {@link Hub#subscribe}. */
        void subscribe(StateFollower follower, List<Frame.Position> since, BiConsumer<List<Hub.Recovery>, Throwable> then);

        /** Ends the subscription of {@code follower}. */
        void unsubscribe(StateFollower follower);
    }

    /** Where a follower's output goes; called on the follower's event loop. */
    public interface Sink {
        /** The whole document: first unless the client recovered, and after every resynchronisation. */
        void snapshot(StateChannels.View view);

        /** One change: {@code patch} (RFC 6902 operations) turns {@code version - 1} into {@code version}. */
        void patch(String topic, String epoch, long version, Payload patch);

        /** Following ended: the channel could not be read again. The follower is stopped. */
        void lost(Throwable failure);
    }

    /** Where following starts: the channel's position, and whether the client's own version was recovered. */
    public record Start(String topic, String epoch, long version, boolean recovered) {
    }

    private final StateChannels channels;
    private final Feed feed;
    private final String topic;
    private final EventExecutor loop;
    private final Sink sink;

    // ---- event loop only
    private boolean buffering = true;
    private final List<Frame.Msg> buffered = new ArrayList<>();
    private String epoch;
    private long version;
    private boolean started;
    private boolean stopped;

    public StateFollower(StateChannels channels, Feed feed, String topic, EventExecutor loop, Sink sink) {
        this.channels = channels;
        this.feed = feed;
        this.topic = topic;
        this.loop = loop;
        this.sink = sink;
    }

    public String topic() {
        return topic;
    }

    public EventExecutor executor() {
        return loop;
    }

    /**
     * Starts following from {@code clientVersion} of {@code clientEpoch} (-1: the client holds nothing). {@code then}
     * is called once on the event loop, before any sink call: with where following starts, or with the failure (a
     * {@link StateException}, or the engine's), after which nothing else happens.
     */
    public void start(long clientVersion, String clientEpoch, BiConsumer<Start, Throwable> then) {
        assert loop.inEventLoop() && !started;
        started = true;
        channels.get(topic).whenComplete((view, failure) -> onLoop(() -> {
            if (failure != null) {
                stopped = true;
                then.accept(null, failure);
                return;
            }
            boolean own = clientVersion >= 0 && clientVersion <= view.version()
                    && (clientVersion == 0 || (view.epoch() != null && view.epoch().equals(clientEpoch)));
            long from = own ? clientVersion : view.version();
            String fromEpoch = own && clientVersion > 0 ? clientEpoch : view.epoch();
            List<Frame.Position> since = List.of(new Frame.Position(topic, from, fromEpoch == null ? "" : fromEpoch));
            feed.subscribe(this, since, (recoveries, error) -> {
                if (stopped) {
                    return;
                }
                if (error != null) {
                    stopped = true;
                    then.accept(null, error);
                    return;
                }
                Hub.Recovery r = recoveries.get(0);
                if (!r.recovered()) {
                    then.accept(new Start(topic, r.epoch(), r.offset(), false), null);
                    resync();
                    return;
                }
                then.accept(new Start(topic, r.epoch(), r.offset(), own), null);
                if (!own) {
                    sink.snapshot(view);
                }
                startAfter(fromEpoch, from); // the replay the hub sends next fills [from + 1, r.offset]
            });
        }));
    }

    /** The client holds {@code version} of {@code epoch}: send what follows it, from the buffer first. */
    private void startAfter(String epoch, long version) {
        this.epoch = epoch;
        this.version = version;
        buffering = false;
        List<Frame.Msg> held = List.copyOf(buffered);
        buffered.clear();
        for (Frame.Msg m : held) {
            accept(m);
        }
    }

    /** Sends a fresh snapshot, then the buffered patches newer than it. */
    private void resync() {
        buffering = true;
        channels.get(topic).whenComplete((view, failure) -> onLoop(() -> {
            if (failure != null) {
                log.debug("re-reading state channel {} failed", topic, failure);
                stop();
                sink.lost(failure);
                return;
            }
            sink.snapshot(view);
            startAfter(view.epoch(), view.version());
        }));
    }

    /** Stops following. Idempotent. */
    public void stop() {
        if (!stopped) {
            stopped = true;
            buffered.clear();
            feed.unsubscribe(this);
        }
    }

    /** A publication of the topic, live or replayed. Event loop only. */
    public void publication(Frame.Msg msg) {
        if (!stopped) {
            accept(msg);
        }
    }

    private void accept(Frame.Msg m) {
        if (buffering) {
            buffered.add(m);
            return;
        }
        boolean sameEpoch = epoch == null || epoch.equals(m.epoch());
        if (sameEpoch && m.offset() <= version) {
            return; // the client has it (in its snapshot, or from the replay)
        }
        if (sameEpoch && m.offset() == version + 1 && !m.data().isBinary()) {
            epoch = m.epoch();
            version = m.offset();
            sink.patch(topic, epoch, version, m.data());
            return;
        }
        buffered.add(m);
        resync();
    }

    /** The engine may have lost publications, or a replay fell behind: the client gets a fresh snapshot. */
    public void interrupted() {
        if (!stopped && !buffering) {
            resync();
        }
    }

    private void onLoop(Runnable task) {
        Runnable guarded = () -> {
            if (!stopped) {
                task.run();
            }
        };
        if (loop.inEventLoop()) {
            guarded.run();
        } else {
            try {
                loop.execute(guarded);
            } catch (RuntimeException rejected) {
                // the event loop is shutting down: its connections are going away
            }
        }
    }
}
