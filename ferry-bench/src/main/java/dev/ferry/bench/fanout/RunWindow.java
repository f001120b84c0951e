package dev.ferry.bench.fanout;

/**
 * The phases of a run as the connections see them: where the measured part starts, in the publisher's intended
 * send times, and whether the run is ending (closes from then on are ours, not the server's). Set by the run,
 * read by every event loop.
 */
final class RunWindow {
    private volatile long measureStartNanos = Long.MAX_VALUE;
    private volatile boolean ending;

    /** Publications intended to be sent at or after {@code nanos} are timed. */
    void measureFrom(long nanos) {
        measureStartNanos = nanos;
    }

    long measureStartNanos() {
        return measureStartNanos;
    }

    void ending() {
        ending = true;
    }

    boolean isEnding() {
        return ending;
    }
}
