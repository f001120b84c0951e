package dev.ferry.server.auth;

import java.util.concurrent.atomic.LongAdder;

/** Counts refusals since start, for metrics. Thread-safe. */
public final class SecurityCounters {
    private final LongAdder authFailures = new LongAdder();
    private final LongAdder forbidden = new LongAdder();
    private final LongAdder rateLimited = new LongAdder();
    private final LongAdder pendingCallsRefused = new LongAdder();
    private final LongAdder connectionsRefused = new LongAdder();
    private final LongAdder expiredCloses = new LongAdder();
    private final LongAdder rateLimitCloses = new LongAdder();

    /**
     * A snapshot.
     *
     * @param authFailures credentials refused (upgrade, HTTP API, {@code auth} command)
     * @param forbidden actions denied by permissions
     * @param rateLimited publications and calls refused by a rate limit
     * @param pendingCallsRefused calls refused because the connection had too many pending
     * @param connectionsRefused connections refused by {@code limits.connections-per-ip}
     * @param expiredCloses connections closed with 4005 because their token expired
     */
    public record Snapshot(long authFailures, long forbidden, long rateLimited, long pendingCallsRefused,
                           long connectionsRefused, long expiredCloses) {
    }

    public void authFailed() {
        authFailures.increment();
    }

    public void forbidden() {
        forbidden.increment();
    }

    public void rateLimited() {
        rateLimited.increment();
    }

    public void pendingCallsRefused() {
        pendingCallsRefused.increment();
    }

    public void connectionRefused() {
        connectionsRefused.increment();
    }

    public void expiredClosed() {
        expiredCloses.increment();
    }

    /** A connection was closed with 4010 for exceeding {@code limits.message-rate} too often. */
    public void rateLimitClosed() {
        rateLimitCloses.increment();
    }

    /** Connections closed with 4010 since start. */
    public long rateLimitCloses() {
        return rateLimitCloses.sum();
    }

    public Snapshot snapshot() {
        return new Snapshot(authFailures.sum(), forbidden.sum(), rateLimited.sum(), pendingCallsRefused.sum(),
                connectionsRefused.sum(), expiredCloses.sum());
    }
}
