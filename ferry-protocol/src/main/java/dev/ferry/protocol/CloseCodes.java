package dev.ferry.protocol;

/** WebSocket close codes used by Ferry (docs/protocol.md §7). */
public final class CloseCodes {
    /** The server is shutting down; reconnect to any node. */
    public static final int GOING_AWAY = 1001;
    /** Protocol error at the WebSocket layer. */
    public static final int PROTOCOL_ERROR = 1002;
    /** A message exceeded the configured maximum size. */
    public static final int MESSAGE_TOO_BIG = 1009;
    /**
     * A per-topic socket's message that the event class of its topic refuses (docs/events.md): the reason starts
     * with the error code, {@code invalid_payload} or {@code bad_tags}, then the first problem.
     */
    public static final int INVALID_PAYLOAD_DATA = 1007;
    /** A binary message where only text is understood (the multiplexer). */
    public static final int UNSUPPORTED_DATA = 1003;
    /**
     * The server lost its connection to the cluster backend and may have missed publications: reconnect (to any
     * node) and recover from the last offsets seen.
     */
    public static final int TRY_AGAIN_LATER = 1013;
    /** The connection's outbound queue overflowed: it could not keep up. */
    public static final int SLOW_CONSUMER = 4001;
    /** Nothing was received for the idle timeout. */
    public static final int IDLE_TIMEOUT = 4002;
    /** A multiplexer frame that is not {@code sub,<channel>}, {@code msg,<channel>,<data>} or {@code uns,<channel>}. */
    public static final int BAD_MULTIPLEX_FRAME = 4003;
    /** A message sent on a socket that only receives: a per-topic socket whose path is a pattern, or an index socket. */
    public static final int SUBSCRIBE_ONLY = 4004;
    /** The connection's token expired and was not refreshed with {@code auth} in time. */
    public static final int TOKEN_EXPIRED = 4005;
    /** A per-topic socket sent a message its identity may not publish to the socket's topic. */
    public static final int FORBIDDEN = 4006;
    /** Another connection resumed this connection's session (docs/protocol.md §4.5). */
    public static final int SESSION_RESUMED_ELSEWHERE = 4007;
    /** A fragmented message was not completed within {@code websocket.fragment-timeout}. */
    public static final int MESSAGE_NOT_COMPLETED = 4008;
    /** The server's budget for unfinished fragmented messages ({@code limits.reassembly-bytes}) is spent. */
    public static final int REASSEMBLY_BUDGET_EXHAUSTED = 4009;
    /** The connection kept sending beyond {@code limits.message-rate} ({@code limits.message-excess}). */
    public static final int RATE_LIMIT_EXCEEDED = 4010;
    /** An operator disconnected the connection through the server API (the default code of a disconnect). */
    public static final int DISCONNECTED = 4011;
    /**
     * The application's connect hook refused the connection (docs/hooks.md): the upgrade is answered and the socket
     * closed at once, the reason being {@code <the application's code>: <its reason>}, as a browser cannot read an
     * HTTP status on a WebSocket upgrade.
     */
    public static final int CONNECT_REFUSED = 4403;
    /** The connect hook gave no answer and its failure policy refuses (docs/hooks.md); try again later. */
    public static final int CONNECT_UNAVAILABLE = 4503;

    /** Most bytes of UTF-8 a close reason holds: RFC 6455 §5.5 gives a close frame 125, 2 of them the code. */
    public static final int MAX_REASON_BYTES = 123;

    /**
     * {@code reason} as a close frame can carry it: unchanged within {@link #MAX_REASON_BYTES} bytes of UTF-8,
     * else cut at a character boundary and ended with {@code ...} within them.
     */
    public static String reason(String reason) {
        byte[] b = reason.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (b.length <= MAX_REASON_BYTES) {
            return reason;
        }
        int n = MAX_REASON_BYTES - 3;
        while (n > 0 && (b[n] & 0xC0) == 0x80) {
            n--; // do not cut a UTF-8 sequence
        }
        return new String(b, 0, n, java.nio.charset.StandardCharsets.UTF_8) + "...";
    }

    private CloseCodes() {
    }
}
