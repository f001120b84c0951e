package dev.ferry.bench.fanout;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/** What the subscriber connections saw; updated from every event loop, read by the run. */
final class FanoutCounters {
    /** {@code msg} frames received, warmup included. */
    final LongAdder deliveries = new LongAdder();
    /** {@code msg} frames whose publication was in the measured part of the run. */
    final LongAdder measuredDeliveries = new LongAdder();
    /** {@link System#nanoTime()} of the latest delivery. */
    final LongAccumulator lastDeliveryNanos = new LongAccumulator(Math::max, Long.MIN_VALUE);
    /** Frames that could not be read, error frames, unexpected binary messages. */
    final LongAdder protocolErrors = new LongAdder();
    /** Subscriber connections that closed after subscribing and before the run ended, by close code (0: none). */
    final ConcurrentHashMap<Integer, LongAdder> closesByCode = new ConcurrentHashMap<>();

    void closed(int code) {
        closesByCode.computeIfAbsent(code, c -> new LongAdder()).increment();
    }

    long closes() {
        return closesByCode.values().stream().mapToLong(LongAdder::sum).sum();
    }
}
