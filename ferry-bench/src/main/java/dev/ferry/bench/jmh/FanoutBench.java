package dev.ferry.bench.jmh;

import dev.ferry.protocol.Payload;
import dev.ferry.server.hub.Delivery;
import dev.ferry.server.hub.Hub;
import dev.ferry.server.hub.Subscriber;
import dev.ferry.server.transport.WebSocketFraming;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Fan-out enqueue: one publication through the hub (in-memory engine: offset, history append, topic match,
 * encoding once, grouping by event loop) to N subscribers, each of which takes the publication framed once for
 * its loop ({@link WebSocketFraming}) and queues it, as a WebSocket connection does before the socket write. The
 * socket write itself is not measured. Divide the score by N for the cost per delivery.
 *
 * <p>The subscribers' "event loop" is the benchmark thread ({@link ImmediateEventExecutor}), so a publication is
 * delivered before {@code publish} returns; each subscriber's queue is then emptied (and its buffers released), as
 * a writable socket would. Run with {@code -prof gc}: the bytes allocated per publication are a steadier measure
 * than the time on a shared machine.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class FanoutBench {
    @Param({"1", "100", "1000"})
    public int subscribers;

    private Hub hub;
    private QueueingSubscriber[] receivers;
    private Payload payload;

    /** A connection's outbound queue, reduced to what fan-out does to it. */
    private static final class QueueingSubscriber implements Subscriber {
        final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();

        @Override
        public EventExecutor executor() {
            return ImmediateEventExecutor.INSTANCE;
        }

        @Override
        public void deliver(Delivery d) {
            queue.add(d.derived(WebSocketFraming.TEXT_OR_BINARY, WebSocketFraming.TEXT).retainedDuplicate());
        }

        @Override
        public void write(ByteBuf frame, boolean binary) {
            queue.add(frame);
        }

        void drain() {
            ByteBuf b;
            while ((b = queue.poll()) != null) {
                b.release();
            }
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        hub = new Hub();
        receivers = new QueueingSubscriber[subscribers];
        for (int i = 0; i < subscribers; i++) {
            receivers[i] = new QueueingSubscriber();
            hub.subscribe("bench.fanout", receivers[i]);
        }
        payload = Payload.json("{\"t\":1234567890123456,\"pad\":\"" + "x".repeat(97) + "\"}"); // 128 bytes
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (QueueingSubscriber r : receivers) {
            r.drain();
        }
    }

    @Benchmark
    public void publish() {
        hub.publish("bench.fanout", payload);
        for (QueueingSubscriber r : receivers) {
            r.drain();
        }
    }
}
