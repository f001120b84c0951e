package dev.ferry.bench.jmh;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.Payload;
import dev.ferry.server.hub.TopicTree;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The two per-publication costs on the server's publish path before fan-out: finding the subscribers of a topic
 * ({@link TopicTree#match}) and encoding the {@code msg} frame once ({@link FrameCodec#encode}).
 *
 * <p>Topics look like {@code sensors.r<k % 10>.d<k>.temp}. The exact tree holds one exact pattern per device;
 * the wildcard tree holds as many patterns, a quarter of each kind: exact, {@code sensors.*.d<k>.temp},
 * {@code sensors.r<k%10>.d<k>.#} and {@code sensors.#.d<k>.temp}, so a match walks the {@code *} and {@code #}
 * branches too. Each invocation matches the next of 1024 topics drawn at random, every one with subscribers.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TopicTreeBench {
    private static final int TOPICS = 1024;

    @State(Scope.Thread)
    public static class Trees {
        @Param({"1000", "100000"})
        public int subscriptions;

        TopicTree<Object> exact;
        TopicTree<Object> wildcard;
        String[] topics;
        int next;

        @Setup
        public void setUp() {
            exact = new TopicTree<>();
            wildcard = new TopicTree<>();
            for (int k = 0; k < subscriptions; k++) {
                exact.add(topic(k), new Object());
            }
            for (int i = 0; i < subscriptions; i++) {
                int k = i / 4;
                String pattern = switch (i % 4) {
                    case 0 -> topic(k);
                    case 1 -> "sensors.*.d" + k + ".temp";
                    case 2 -> "sensors.r" + (k % 10) + ".d" + k + ".#";
                    default -> "sensors.#.d" + k + ".temp";
                };
                wildcard.add(pattern, new Object());
            }
            SplittableRandom random = new SplittableRandom(42);
            topics = new String[TOPICS];
            for (int j = 0; j < TOPICS; j++) {
                topics[j] = topic(random.nextInt(subscriptions / 4));
            }
        }

        String nextTopic() {
            next = (next + 1) & (TOPICS - 1);
            return topics[next];
        }

        private static String topic(int k) {
            return "sensors.r" + (k % 10) + ".d" + k + ".temp";
        }
    }

    @State(Scope.Thread)
    public static class Messages {
        Payload payload;
        long offset;

        @Setup
        public void setUp() {
            // The fan-out load generator's payload: {"t":<nanos>,"pad":"xx..."}, 100 bytes.
            payload = Payload.json("{\"t\":1234567890123456,\"pad\":\"" + "x".repeat(69) + "\"}");
        }
    }

    @Benchmark
    public void matchExact(Trees s, Blackhole bh) {
        s.exact.match(s.nextTopic(), bh::consume);
    }

    @Benchmark
    public void matchWildcard(Trees s, Blackhole bh) {
        s.wildcard.match(s.nextTopic(), bh::consume);
    }

    /** A broadcast topic: {@code size} connections subscribe to one pattern, then all unsubscribe. */
    @State(Scope.Thread)
    public static class Crowd {
        @Param({"10000", "100000"})
        public int size;

        Object[] subscribers;

        @Setup
        public void setUp() {
            subscribers = new Object[size];
            for (int i = 0; i < size; i++) {
                subscribers[i] = new Object();
            }
        }
    }

    /** Single shot: the whole churn, all under the tree's lock one change at a time, as the hub does it. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2)
    @Measurement(iterations = 5)
    public int subscribeThenUnsubscribeAll(Crowd c) {
        TopicTree<Object> tree = new TopicTree<>();
        for (Object s : c.subscribers) {
            tree.add("bench.broadcast", s);
        }
        int peak = tree.size();
        for (Object s : c.subscribers) {
            tree.remove("bench.broadcast", s);
        }
        return peak;
    }

    @Benchmark
    public byte[] encodeMsg(Messages m) {
        return FrameCodec.encode(new Frame.Msg("bench.fanout", ++m.offset, m.payload));
    }
}
