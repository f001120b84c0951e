package dev.ferry.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.protocol.ErrorCode;

/**
 * A command that failed. {@link #code()} is the wire error code from docs/protocol.md §6 (e.g.
 * {@code no_such_procedure}, {@code call_timeout}, {@code callee_gone}, {@code callee_error}) or one of the
 * client's own codes below, which never travel on the wire.
 *
 * <p>Procedure handlers may throw it to choose the error code and data of their reply.
 */
public class FerryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The connection closed before the reply to a command arrived. */
    public static final String CONNECTION_LOST = "connection_lost";
    /** The client is not connected (it is reconnecting, or was never connected). */
    public static final String NOT_CONNECTED = "not_connected";
    /** The client was closed by its owner. */
    public static final String CLIENT_CLOSED = "client_closed";
    /** The WebSocket connection could not be opened. */
    public static final String CONNECT_FAILED = "connect_failed";
    /** Too many bytes are already waiting to be sent on the connection; the frame was not queued. */
    public static final String SEND_QUEUE_FULL = "send_queue_full";
    /** The server did not answer a command within the client's request timeout. */
    public static final String REQUEST_TIMEOUT = "request_timeout";

    private final String code;
    private final transient JsonNode data;

    public FerryException(String code, String message) {
        this(code, message, null, null);
    }

    public FerryException(String code, String message, JsonNode data) {
        this(code, message, data, null);
    }

    public FerryException(String code, String message, JsonNode data, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.data = data;
    }

    /** The error code, e.g. {@code callee_error} or {@link #CONNECTION_LOST}. */
    public String code() {
        return code;
    }

    /** The Ferry error code, or {@code null} for a client-side or application-defined code. */
    public ErrorCode errorCode() {
        return ErrorCode.fromWire(code);
    }

    /**
     * The error's {@code data}, or {@code null}. For {@code callee_error} this is
     * {@code {"code": callee's code, "data": callee's data}}.
     */
    public JsonNode data() {
        return data;
    }

    /** For {@code callee_error}: the code the callee replied with; otherwise {@code null}. */
    public String calleeCode() {
        return data != null && data.hasNonNull("code") ? data.get("code").asText() : null;
    }

    @Override
    public String toString() {
        return "FerryException[" + code + "]: " + getMessage();
    }
}
