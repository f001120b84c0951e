package dev.ferry.server.transport;

import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.timeout.TimeoutException;
import java.io.IOException;
import java.time.Duration;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way connection faults reach the log (docs/operations.md, "Logs"), so that no client can fill it:
 * <ul>
 *   <li>a <em>client fault</em> ({@link #isClientFault}: the peer reset or dropped the connection, broke HTTP,
 *       WebSocket or TLS, sent a malformed or oversized request) is one line at debug, without a stack trace, and
 *       at most one line per {@link #INTERVAL} at info counting them;</li>
 *   <li>an <em>unexpected</em> fault (ours) is logged at warn with its stack trace, at most once per interval; the
 *       next line that is logged says how many were left out.</li>
 * </ul>
 * So however many faults arrive, this writes at most two lines per interval above debug. Thread-safe (any event
 * loop calls it); the clock is injected so that tests advance time instead of waiting for it.
 */
public final class FaultLog {
    /** At most one line per interval for client faults, and one for unexpected ones, above debug. */
    public static final Duration INTERVAL = Duration.ofMinutes(1);

    private final Logger log;
    private final long intervalNanos;
    private final LongSupplier nanoTime;

    // ---- guarded by this
    private long clientWindowStart;
    private long clientFaults;
    private long unexpectedLoggedAt;
    private boolean unexpectedLogged;
    private long unexpectedLeftOut;

    /** Logs to {@code dev.ferry.server.transport.FaultLog}, once per {@link #INTERVAL}, on the system clock. */
    public FaultLog() {
        this(LoggerFactory.getLogger(FaultLog.class), INTERVAL, System::nanoTime);
    }

    /** {@code nanoTime}: a monotonic clock in nanoseconds, as {@link System#nanoTime()}. */
    public FaultLog(Logger log, Duration interval, LongSupplier nanoTime) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
        this.nanoTime = nanoTime;
        this.clientWindowStart = nanoTime.getAsLong() - intervalNanos; // the first fault is counted at once
    }

    /**
     * A fault on the connection from {@code remote} in {@code where} (such as "HTTP" or "WebSocket"): logged as a
     * client fault or as an unexpected one, whichever it is.
     */
    public void fault(String where, Object remote, Throwable cause) {
        if (isClientFault(cause)) {
            clientFault(where, remote, cause);
        } else {
            unexpected(where, remote, cause);
        }
    }

    /** A fault the client caused: debug, plus the interval's count at info. */
    public void clientFault(String where, Object remote, Throwable cause) {
        if (log.isDebugEnabled()) {
            log.debug("client fault on {} connection {}: {}", where, remote, describe(cause));
        }
        long count = 0;
        synchronized (this) {
            clientFaults++;
            long now = nanoTime.getAsLong();
            if (now - clientWindowStart >= intervalNanos) {
                count = clientFaults;
                clientFaults = 0;
                clientWindowStart = now;
            }
        }
        if (count > 0) {
            log.info("{} client fault(s) since this was last logged, the latest on {} connection {}: {} "
                    + "(each is logged at debug; at most one such line per {} s)", count, where, remote, describe(cause),
                    intervalNanos / 1_000_000_000L);
        }
    }

    /** A fault of ours: warn with the stack trace, at most once per interval. */
    public void unexpected(String where, Object remote, Throwable cause) {
        long leftOut;
        synchronized (this) {
            long now = nanoTime.getAsLong();
            if (unexpectedLogged && now - unexpectedLoggedAt < intervalNanos) {
                unexpectedLeftOut++;
                return;
            }
            unexpectedLogged = true;
            unexpectedLoggedAt = now;
            leftOut = unexpectedLeftOut;
            unexpectedLeftOut = 0;
        }
        log.warn("unexpected error on {} connection {}{}", where, remote,
                leftOut == 0 ? "" : " (" + leftOut + " more since this was last logged, left out)", cause);
    }

    /**
     * Whether {@code cause} is the client's doing rather than ours: an I/O error (a reset or dropped connection), a
     * request or frame the decoders refused (oversized, a corrupt WebSocket frame, not TLS, a failed TLS handshake),
     * a connection closed mid-request, or a timeout. Looked for along the cause chain (a decoder wraps what it
     * throws); any other exception, a bug of ours, is unexpected.
     */
    public static boolean isClientFault(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException || t instanceof SSLException || t instanceof NotSslRecordException
                    || t instanceof TooLongFrameException
                    || t instanceof CorruptedWebSocketFrameException || t instanceof PrematureChannelClosureException
                    || t instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** The fault in one line: its class and message, and the root cause's when it is another. */
    private static String describe(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String s = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        if (root != cause) {
            s += " (caused by " + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
