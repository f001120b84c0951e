package dev.ferry.server.state;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.Topics;
import dev.ferry.server.auth.Action;
import dev.ferry.server.transport.Outbound;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state channel commands of one ferry.v1 connection ({@code state_sub}, {@code state_unsub},
 * {@code state_get}, {@code state_update}; docs/protocol.md §4.6). Reading is allowed where the connection may
 * subscribe, writing where it may publish.
 *
 * <p><b>Snapshot, then patches, with no gap.</b> {@code state_sub} reads the document (which also checks that the
 * topic is a state channel), then subscribes a {@link StateFollower} to the topic recovering from the version the
 * client holds if it said one and history still has what follows it, else from the version just read. Either way
 * the hub replays the missing patches right after the answer and live ones follow: the client gets
 * {@code result}, then (unless it recovered) one {@code state} snapshot, then {@code state_patch}es. When history
 * cannot fill the gap (the channel changed faster than history keeps), the follower buffers live patches, the
 * document is read again, and the patches newer than that snapshot follow it.
 *
 * <p>Lifecycle: commands, then {@link #closed()} once. Threading: event-loop confined.
 */
public final class StateCommands {
    private static final Logger log = LoggerFactory.getLogger(StateCommands.class);

    /** The connection's admission of state commands; each answers the refusal itself and returns whether it did. */
    public interface Permission {
        /** Refuses with {@code forbidden} when the connection may not do {@code action} on {@code topic}. */
        boolean denied(long id, Action action, String topic);

        /** Refuses when following {@code topic} is not admitted: its permission, or the server draining. */
        boolean refusedSubscribe(long id, String topic);

        /**
         * Answers the refusal that {@code failure} carries when a subscribe hook refused following a channel (or gave
         * no answer under {@code failure-policy: refuse}), and returns whether it did.
         */
        boolean refusedByHook(long id, Throwable failure);
    }

    private final StateChannels channels;
    private final StateFollower.Feed feed;
    private final Outbound out;
    private final Permission permission;
    private final IntSupplier otherSubscriptions;
    private final int maxSubscriptions;

    // ---- event loop only
    private final Map<String, StateFollower> followers = new HashMap<>();
    private boolean closed;

    public StateCommands(StateChannels channels, StateFollower.Feed feed, Outbound out, Permission permission,
                         IntSupplier otherSubscriptions, int maxSubscriptions) {
        this.channels = channels;
        this.feed = feed;
        this.out = out;
        this.permission = permission;
        this.otherSubscriptions = otherSubscriptions;
        this.maxSubscriptions = maxSubscriptions;
    }

    /** Whether {@code frame} is a state channel command. */
    public static boolean handles(Frame frame) {
        return frame instanceof Frame.StateSub || frame instanceof Frame.StateUnsub || frame instanceof Frame.StateGet
                || frame instanceof Frame.StateUpdate;
    }

    /** Carries out one state channel command (see {@link #handles}). */
    public void handle(Frame frame) {
        if (frame instanceof Frame.StateSub s) {
            subscribe(s);
        } else if (frame instanceof Frame.StateUnsub u) {
            unsubscribe(u);
        } else if (frame instanceof Frame.StateGet g) {
            get(g);
        } else if (frame instanceof Frame.StateUpdate u) {
            update(u);
        }
    }

    /** State channels followed by this connection. */
    public int count() {
        return followers.size();
    }

    private boolean badTopic(long id, String topic) {
        String why = Topics.checkTopic(topic);
        if (why != null) {
            sendError(id, ErrorCode.BAD_TOPIC, why);
            return true;
        }
        return false;
    }

    private void get(Frame.StateGet g) {
        if (badTopic(g.id(), g.topic()) || permission.denied(g.id(), Action.SUBSCRIBE, g.topic())) {
            return;
        }
        channels.get(g.topic()).whenComplete((view, failure) -> inLoop(() -> {
            if (failure != null) {
                fail(g.id(), "state_get", failure);
            } else {
                out.send(new Frame.Result(g.id(), view.toPayload(true)));
            }
        }));
    }

    private void update(Frame.StateUpdate u) {
        if (badTopic(u.id(), u.topic()) || permission.denied(u.id(), Action.PUBLISH, u.topic())) {
            return;
        }
        StateChannels.Change change;
        try {
            change = u.merge() != null ? StateChannels.Change.parse(true, u.merge().bytes())
                    : StateChannels.Change.parse(false, u.patch().bytes());
        } catch (StateException e) {
            sendError(u.id(), e);
            return;
        }
        channels.update(u.topic(), change, u.ifVersion()).whenComplete((view, failure) -> inLoop(() -> {
            if (failure != null) {
                fail(u.id(), "state_update", failure);
            } else {
                out.send(new Frame.Result(u.id(), view.toPayload(false)));
            }
        }));
    }

    private void subscribe(Frame.StateSub s) {
        if (badTopic(s.id(), s.topic()) || permission.refusedSubscribe(s.id(), s.topic())) {
            return;
        }
        StateFollower previous = followers.remove(s.topic());
        if (previous != null) {
            previous.stop();
        } else if (followers.size() + otherSubscriptions.getAsInt() >= maxSubscriptions) {
            sendError(s.id(), ErrorCode.TOO_MANY_SUBSCRIPTIONS, "this connection already holds " + maxSubscriptions
                    + " subscriptions (websocket.max-subscriptions)");
            return;
        }
        FrameSink sink = new FrameSink();
        StateFollower follower = new StateFollower(channels, feed, s.topic(), out.executor(), sink);
        sink.follower = follower;
        followers.put(s.topic(), follower);
        follower.start(s.version(), s.epoch(), (start, failure) -> {
            if (failure != null) {
                followers.remove(s.topic(), follower);
                fail(s.id(), "state_sub", failure);
            } else {
                out.send(new Frame.Result(s.id(), new StateChannels.View(start.topic(), start.epoch(), start.version(), null)
                        .toPayload(false, start.recovered())));
            }
        });
    }

    /** Snapshots and patches as ferry.v1 pushes. */
    private final class FrameSink implements StateFollower.Sink {
        StateFollower follower;

        @Override
        public void snapshot(StateChannels.View view) {
            out.send(new Frame.StateSnapshot(view.topic(), view.epoch(), view.version(), Payload.json(view.json())));
        }

        @Override
        public void patch(String topic, String epoch, long version, Payload patch) {
            out.send(new Frame.StatePatch(topic, epoch, version, patch));
        }

        @Override
        public void lost(Throwable failure) {
            followers.remove(follower.topic(), follower);
            sendError(0, ErrorCode.UNAVAILABLE, "state channel \"" + follower.topic()
                    + "\" could not be read again; subscribe again");
        }
    }

    private void unsubscribe(Frame.StateUnsub u) {
        if (badTopic(u.id(), u.topic())) {
            return;
        }
        StateFollower f = followers.remove(u.topic());
        if (f == null) {
            sendError(u.id(), ErrorCode.NOT_SUBSCRIBED, "this connection does not follow the state channel \""
                    + u.topic() + "\"");
            return;
        }
        f.stop();
        out.send(new Frame.Result(u.id(), Payload.json(("{\"topic\":" + new String(dev.ferry.protocol.FrameCodec.quote(
                u.topic()), StandardCharsets.UTF_8) + "}").getBytes(StandardCharsets.UTF_8))));
    }

    /**
     * Stops following every channel this connection may no longer read (after its token changed): {@code revoked}
     * answers, for a channel's topic, whether it is no longer allowed, having told the client so.
     */
    public void revoke(java.util.function.Predicate<String> revoked) {
        for (StateFollower f : List.copyOf(followers.values())) {
            if (revoked.test(f.topic())) {
                followers.remove(f.topic());
                f.stop();
            }
        }
    }

    /** The connection closed. Idempotent. */
    public void closed() {
        if (closed) {
            return;
        }
        closed = true;
        for (StateFollower f : followers.values()) {
            f.stop();
        }
        followers.clear();
    }

    private void fail(long id, String what, Throwable failure) {
        if (failure instanceof java.util.concurrent.CancellationException) {
            return;
        }
        StateException e = StateException.of(failure);
        if (e != null) {
            sendError(id, e);
            return;
        }
        if (permission.refusedByHook(id, failure)) {
            return;
        }
        log.debug("{} failed in the engine", what, failure);
        sendError(id, ErrorCode.UNAVAILABLE, "the cluster backend is unavailable; try again");
    }

    private void sendError(long id, StateException e) {
        out.send(new Frame.Error(id, e.code().wire(), e.getMessage(), e.data()));
    }

    private void sendError(long id, ErrorCode code, String message) {
        out.send(new Frame.Error(id, code.wire(), message, null));
    }

    private void inLoop(Runnable task) {
        if (out.executor().inEventLoop()) {
            if (!closed) {
                task.run();
            }
            return;
        }
        try {
            out.executor().execute(() -> {
                if (!closed) {
                    task.run();
                }
            });
        } catch (RuntimeException rejected) {
            // the event loop is shutting down: the connection is going away
        }
    }
}
