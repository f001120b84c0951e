package dev.ferry.bench.fanout;

import dev.ferry.protocol.Topics;
import java.net.URI;
import java.time.Duration;

/**
 * One fan-out run.
 *
 * @param url the server's ferry.v1 endpoint, or {@code null} to start an embedded server in this JVM
 * @param subscribers subscriber connections
 * @param rate publications per second of the single publisher
 * @param payloadBytes size of each publication's {@code data} value in bytes (at least the size of
 *     {@code {"t":<nanos>,"pad":""}}, about 35 bytes)
 * @param duration measured part of the run
 * @param warmup publishing before the measured part; its deliveries are counted but not timed
 * @param topic the topic published to and subscribed to
 * @param connectConcurrency subscriber connections being set up at once
 * @param sourceAddresses how many loopback source addresses (127.0.0.1, 127.0.0.2, ...) the subscriber
 *     connections are spread over, round-robin; 0 picks one address per 16,000 connections
 * @param clientThreads event-loop threads for the subscriber connections (0: one per core)
 * @param serverThreads event-loop threads of the embedded server (0: one per core)
 * @param drainTimeout how long to wait after the last publication for the deliveries still in flight
 */
public record FanoutOptions(
        URI url,
        int subscribers,
        int rate,
        int payloadBytes,
        Duration duration,
        Duration warmup,
        String topic,
        int connectConcurrency,
        int sourceAddresses,
        int clientThreads,
        int serverThreads,
        Duration drainTimeout) {

    /** Connections per loopback source address when {@link #sourceAddresses} is 0. */
    static final int CONNECTIONS_PER_SOURCE_ADDRESS = 16_000;

    public FanoutOptions {
        if (url != null) {
            Loopback.checkUrl(url);
        }
        positive("subscribers", subscribers);
        positive("rate", rate);
        positive("connect-concurrency", connectConcurrency);
        if (payloadBytes < 0) {
            throw new IllegalArgumentException("payload: " + payloadBytes + " (expected: >= 0)");
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration: " + duration + " (expected: > 0)");
        }
        if (warmup.isNegative()) {
            throw new IllegalArgumentException("warmup: " + warmup + " (expected: >= 0)");
        }
        if (drainTimeout.isNegative()) {
            throw new IllegalArgumentException("drain-timeout: " + drainTimeout + " (expected: >= 0)");
        }
        String why = topic == null ? "missing" : Topics.checkTopic(topic);
        if (why != null) {
            throw new IllegalArgumentException("topic: " + why + " (expected: a ferry.v1 topic, no wildcards)");
        }
        if (sourceAddresses < 0 || sourceAddresses > Loopback.MAX_SOURCE_ADDRESSES) {
            throw new IllegalArgumentException("source-addresses: " + sourceAddresses
                    + " (expected: 0..." + Loopback.MAX_SOURCE_ADDRESSES + ")");
        }
        if (clientThreads < 0 || serverThreads < 0) {
            throw new IllegalArgumentException("client/server threads: " + clientThreads + "/" + serverThreads
                    + " (expected: >= 0)");
        }
        long total = (long) rate * (duration.toSeconds() + warmup.toSeconds());
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("rate * (duration + warmup): " + total + " (expected: < 2^31)");
        }
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
        }
    }

    /** Whether the run starts its own server. */
    public boolean embedded() {
        return url == null;
    }

    /** Publications sent in the warmup. */
    long warmupPublications() {
        return rate * warmup.toNanos() / 1_000_000_000L;
    }

    /** Publications sent in the measured part. */
    long measuredPublications() {
        return rate * duration.toNanos() / 1_000_000_000L;
    }

    /** The source address count actually used. */
    int effectiveSourceAddresses() {
        if (sourceAddresses > 0) {
            return sourceAddresses;
        }
        int n = (subscribers + CONNECTIONS_PER_SOURCE_ADDRESS - 1) / CONNECTIONS_PER_SOURCE_ADDRESS;
        return Math.max(1, Math.min(n, Loopback.MAX_SOURCE_ADDRESSES));
    }
}
