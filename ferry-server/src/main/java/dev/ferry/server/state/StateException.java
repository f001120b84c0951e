package dev.ferry.server.state;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Payload;

/** A state command that cannot be carried out: its documented error code, message and optional data. */
public final class StateException extends RuntimeException {
    private final ErrorCode code;
    private final Payload data;

    public StateException(ErrorCode code, String message, Payload data) {
        super(message, null, false, false);
        this.code = code;
        this.data = data;
    }

    public ErrorCode code() {
        return code;
    }

    /** The error's {@code data} (e.g. the current version of a conflict), or null. */
    public Payload data() {
        return data;
    }

    /** The {@link StateException} behind a stage's failure, or null when it is another fault. */
    static StateException of(Throwable failure) {
        Throwable t = failure;
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof StateException s ? s : null;
    }
}
