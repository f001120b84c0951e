package dev.ferry.server.auth;

/**
 * A token bucket: {@code rate} tokens per second up to {@code burst}. Not thread-safe: one per connection, used on
 * its event loop.
 */
public final class TokenBucket {
    private double perNano;
    private double burst;
    private double tokens;
    private long last;

    /** {@code rate} per second (> 0); {@code burst} 0 means the rate (at least 1). */
    public TokenBucket(int rate, int burst, long nowNanos) {
        this.perNano = rate / 1e9;
        this.burst = burst > 0 ? burst : Math.max(1, rate);
        this.tokens = this.burst;
        this.last = nowNanos;
    }

    /**
     * Takes {@code rate} per second (> 0) and {@code burst} (0: the rate, at least 1) from now on (a reload): the
     * tokens gathered at the old rate up to {@code nowNanos} are kept, at most the new burst.
     */
    public void resize(int rate, int burst, long nowNanos) {
        hasToken(nowNanos);
        this.perNano = rate / 1e9;
        this.burst = burst > 0 ? burst : Math.max(1, rate);
        this.tokens = Math.min(this.tokens, this.burst);
    }

    /** Takes one token if there is one. */
    public boolean tryTake(long nowNanos) {
        if (hasToken(nowNanos)) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /** Whether a token is there now (refilling up to {@code nowNanos}), without taking it. */
    public boolean hasToken(long nowNanos) {
        long elapsed = nowNanos - last;
        if (elapsed > 0) {
            tokens = Math.min(burst, tokens + elapsed * perNano);
            last = nowNanos;
        }
        return tokens >= 1;
    }
}
