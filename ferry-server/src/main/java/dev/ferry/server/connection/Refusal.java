package dev.ferry.server.connection;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Payload;
import java.util.Objects;

/**
 * Why the core refused an operation: the error code and message every transport reports in its own way (a
 * ferry.v1 {@code error}, a multiplexer {@code err}, an HTTP error body, a close code), and the optional
 * {@code data} of that error (for example {@code {"action":"publish"}}).
 */
public record Refusal(ErrorCode code, String message, Payload data) {
    public Refusal {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }

    public static Refusal of(ErrorCode code, String message) {
        return new Refusal(code, message, null);
    }

    /** The refusal's {@code data} as JSON bytes, or null when it has none. */
    public byte[] dataBytes() {
        return data == null ? null : data.bytes();
    }
}
