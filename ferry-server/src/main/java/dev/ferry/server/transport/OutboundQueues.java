package dev.ferry.server.transport;

import dev.ferry.server.time.ServerClock;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the outbound queues of one server share ({@link WebSocketOutbound}, {@link EventStreamQueue} and the
 * fallback sessions' queues): the per-loop flush batches, the counters of queued bytes, slow-consumer closes and
 * lossy drops, and how long a closing connection may take to write what it queued. Thread-safe.
 */
public final class OutboundQueues {
    private final FlushBatch.PerLoop flushBatches = new FlushBatch.PerLoop();
    private final LongAdder slowConsumerCloses = new LongAdder();
    private final LongAdder lossyDrops = new LongAdder();
    private final LongAdder queuedBytes = new LongAdder();
    private final long shutdownGraceMillis;
    private final ServerClock clock;

    /**
     * {@code shutdownGrace} ({@code server.shutdown-grace}) lengthens the wait for a close frame to be written;
     * the queues' timers follow {@code clock}.
     */
    public OutboundQueues(Duration shutdownGrace, ServerClock clock) {
        this.shutdownGraceMillis = shutdownGrace.toMillis();
        this.clock = clock;
    }

    /** The time the queues' close and end timers follow. */
    ServerClock clock() {
        return clock;
    }

    /** The flush batch of the calling event-loop thread. */
    FlushBatch flushBatch() {
        return FlushBatch.of(flushBatches);
    }

    /** How long a queue closing with 1001 waits for its frames to be written, beyond the close grace. */
    long shutdownGraceMillis() {
        return shutdownGraceMillis;
    }

    /** Adds {@code delta} (negative when frames leave) to the bytes waiting in connections' outbound queues. */
    void queued(long delta) {
        queuedBytes.add(delta);
    }

    /** Bytes waiting in the connections' outbound queues (docs/operations.md), not yet handed to the socket. */
    public long queuedBytes() {
        return queuedBytes.sum();
    }

    /** Counts a connection closed with 4001 because its outbound queue overflowed. */
    public void slowConsumerClosed() {
        slowConsumerCloses.increment();
    }

    public long slowConsumerCloses() {
        return slowConsumerCloses.sum();
    }

    /** Counts a publication of a lossy topic dropped for a subscriber that was behind. */
    public void lossyDropped() {
        lossyDrops.increment();
    }

    public long lossyDrops() {
        return lossyDrops.sum();
    }
}
