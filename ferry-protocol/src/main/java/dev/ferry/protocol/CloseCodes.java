package dev.ferry.protocol;

/** WebSocket close codes used by Ferry (docs/protocol.md §7). */
public final class CloseCodes {
    /** The server is shutting down; reconnect to any node. */
    public static final int GOING_AWAY = 1001;
    /** Protocol error at the WebSocket layer. */
    public static final int PROTOCOL_ERROR = 1002;
    /** A message exceeded the configured maximum size. */
    public static final int MESSAGE_TOO_BIG = 1009;
    /** The connection's outbound queue overflowed: it could not keep up. */
    public static final int SLOW_CONSUMER = 4001;
    /** Nothing was received for the idle timeout. */
    public static final int IDLE_TIMEOUT = 4002;
    /** The connection's token expired and was not refreshed with {@code auth} in time. */
    public static final int TOKEN_EXPIRED = 4003;

    private CloseCodes() {
    }
}
