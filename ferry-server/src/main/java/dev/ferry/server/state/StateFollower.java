package dev.ferry.server.state;

import dev.ferry.protocol.Frame;
import dev.ferry.server.hub.Subscriber;
import dev.ferry.server.session.Outbound;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One connection following one state channel: the hub's subscriber for the channel's topic, which turns its
 * publications into {@code state_patch} pushes.
 *
 * <p>Lifecycle: created <em>buffering</em>; {@link #startAfter} sends nothing itself but sets the version the
 * client holds (after a snapshot, or the version it recovered from) and releases the buffered patches newer than
 * it; {@link #stop} ends it. A publication that does not follow the version the client holds (another epoch, or
 * a gap the hub could not fill) makes it buffer again and ask for a fresh snapshot through {@code resync}.
 *
 * <p>Threading: event-loop confined, on the connection's loop.
 */
public final class StateFollower implements Subscriber {
    private final String topic;
    private final Outbound out;
    private final Consumer<StateFollower> resync;

    // ---- event loop only
    private boolean buffering = true;
    private final List<Frame.Msg> buffered = new ArrayList<>();
    private String epoch;
    private long version;
    private boolean stopped;

    StateFollower(String topic, Outbound out, Consumer<StateFollower> resync) {
        this.topic = topic;
        this.out = out;
        this.resync = resync;
    }

    public String topic() {
        return topic;
    }

    @Override
    public EventExecutor executor() {
        return out.executor();
    }

    /** The client holds {@code version} of {@code epoch}: send what follows it, from the buffer first. */
    void startAfter(String epoch, long version) {
        assert executor().inEventLoop();
        this.epoch = epoch;
        this.version = version;
        buffering = false;
        List<Frame.Msg> held = List.copyOf(buffered);
        buffered.clear();
        for (Frame.Msg m : held) {
            accept(m);
        }
    }

    /** Publications are held until the next {@link #startAfter}. */
    void buffer() {
        buffering = true;
    }

    void stop() {
        stopped = true;
        buffered.clear();
    }

    boolean stopped() {
        return stopped;
    }

    @Override
    public void deliver(ByteBuf frame, boolean binary) {
        frame.release(); // the hub always hands the publication itself (below)
    }

    @Override
    public void deliver(Frame.Msg msg, ByteBuf frame, boolean binary, boolean lossy) {
        frame.release();
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
            out.send(new Frame.StatePatch(topic, epoch, version, m.data()));
            return;
        }
        buffering = true;
        buffered.add(m);
        resync.accept(this);
    }

    /** The engine may have lost publications: the client gets a fresh snapshot. */
    @Override
    public void interrupted() {
        if (!stopped && !buffering) {
            buffering = true;
            resync.accept(this);
        }
    }
}
