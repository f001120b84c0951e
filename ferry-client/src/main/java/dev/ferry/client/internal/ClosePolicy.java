package dev.ferry.client.internal;

import dev.ferry.protocol.CloseCodes;

/** What a client does after the server closes it, per docs/protocol.md §7. */
public final class ClosePolicy {
    /** The close code used when the connection broke without a close frame (RFC 6455 §7.1.5). */
    public static final int ABNORMAL = 1006;

    private ClosePolicy() {
    }

    /**
     * Whether reconnecting may help: yes for going away (1001), slow consumer (4001), idle timeout (4002), message
     * too large (1009), broken connections (1006) and anything unexpected; no for a protocol error (1002), which a
     * new connection would only repeat, nor when another connection resumed this one's session (4006): the two
     * would take it from each other for ever.
     */
    public static boolean reconnectAfter(int closeCode) {
        return closeCode != CloseCodes.PROTOCOL_ERROR && closeCode != CloseCodes.SESSION_RESUMED_ELSEWHERE;
    }

    /** A short description of a close code for logs and error messages. */
    public static String describe(int closeCode, String reason) {
        String name = switch (closeCode) {
            case 1000 -> "normal closure";
            case CloseCodes.GOING_AWAY -> "going away";
            case CloseCodes.PROTOCOL_ERROR -> "protocol error";
            case CloseCodes.MESSAGE_TOO_BIG -> "message too large";
            case CloseCodes.SLOW_CONSUMER -> "slow consumer";
            case CloseCodes.IDLE_TIMEOUT -> "idle timeout";
            case CloseCodes.SESSION_RESUMED_ELSEWHERE -> "session resumed elsewhere";
            case CloseCodes.MESSAGE_NOT_COMPLETED -> "message not completed in time";
            case CloseCodes.REASSEMBLY_BUDGET_EXHAUSTED -> "reassembly budget exhausted";
            case CloseCodes.RATE_LIMIT_EXCEEDED -> "rate limit exceeded";
            case ABNORMAL -> "connection broken";
            default -> "close code";
        };
        return closeCode + " " + name + (reason == null || reason.isEmpty() || reason.equals(name) ? "" : ": " + reason);
    }
}
