package dev.ferry.bench.fanout;

import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * Delivery latencies in nanoseconds: one single-writer recorder per event loop, so that recording never contends
 * across threads; {@link #snapshot()} merges them. Values above {@link #HIGHEST} are recorded as {@link #HIGHEST}.
 */
public final class Latencies {
    public static final long HIGHEST = TimeUnit.MINUTES.toNanos(2);
    private static final int DIGITS = 3;

    private final ConcurrentHashMap<EventExecutor, SingleWriterRecorder> byLoop = new ConcurrentHashMap<>();

    /** The recorder to use on {@code loop}; only that loop's thread may record into it. */
    public SingleWriterRecorder forLoop(EventExecutor loop) {
        return byLoop.computeIfAbsent(loop, l -> new SingleWriterRecorder(HIGHEST, DIGITS));
    }

    public static void record(SingleWriterRecorder recorder, long nanos) {
        recorder.recordValue(Math.min(Math.max(nanos, 0), HIGHEST));
    }

    /** Everything recorded since the previous snapshot, all loops merged. */
    public Histogram snapshot() {
        Histogram all = new Histogram(HIGHEST, DIGITS);
        for (SingleWriterRecorder r : byLoop.values()) {
            all.add(r.getIntervalHistogram());
        }
        return all;
    }
}
