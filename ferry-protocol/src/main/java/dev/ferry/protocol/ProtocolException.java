package dev.ferry.protocol;

/** A frame that breaks the protocol; carries the error code to answer with and the request id when known. */
public final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final long id;

    public ProtocolException(ErrorCode code, String message, long id) {
        super(message, null, false, false);
        this.code = code;
        this.id = id;
    }

    public ErrorCode code() {
        return code;
    }

    /** The request id of the offending command, or 0 when it could not be read. */
    public long id() {
        return id;
    }
}
