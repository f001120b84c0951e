package dev.ferry.server.transport;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server-wide budget for unfinished fragmented WebSocket messages ({@code limits.reassembly-bytes}): every
 * fragment of a message that is not complete yet holds its bytes here until the message completes or its
 * connection gives it up. Without it, each connection could pin up to {@code websocket.max-message-bytes} of
 * direct memory, and enough connections together exhaust it. Thread-safe: shared by every event loop.
 */
public final class ReassemblyBudget {
    /** Read at each fragment; a reload replaces it ({@link #limit(long)}). */
    private volatile long limit;
    private final AtomicLong held = new AtomicLong();
    private final LongAdder timedOut = new LongAdder();
    private final LongAdder overBudget = new LongAdder();

    public ReassemblyBudget(long limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: > 0)");
        }
        this.limit = limit;
    }

    /** Holds {@code n} more bytes if that stays within the budget; otherwise holds nothing and returns false. */
    public boolean tryHold(int n) {
        if (held.addAndGet(n) > limit) {
            held.addAndGet(-n);
            return false;
        }
        return true;
    }

    /** Gives back {@code n} bytes held by {@link #tryHold}. */
    public void release(long n) {
        if (n > 0) {
            held.addAndGet(-n);
        }
    }

    /** Bytes held now by unfinished messages. */
    public long held() {
        return held.get();
    }

    /** The budget ({@code limits.reassembly-bytes}). */
    public long limit() {
        return limit;
    }

    /**
     * A reload: the next fragment of every connection is held against {@code next}; bytes already held stay held
     * (a lowered budget below them refuses fragments until enough are released).
     */
    public void limit(long next) {
        if (next <= 0) {
            throw new IllegalArgumentException("limit: " + next + " (expected: > 0)");
        }
        this.limit = next;
    }

    void timedOut() {
        timedOut.increment();
    }

    void overBudget() {
        overBudget.increment();
    }

    /** Connections closed with 4008 since start: a fragmented message not completed within the time limit. */
    public long timeoutCloses() {
        return timedOut.sum();
    }

    /** Connections closed with 4009 since start: a fragment beyond the budget. */
    public long budgetCloses() {
        return overBudget.sum();
    }
}
