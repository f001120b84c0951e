package dev.ferry.protocol;

/**
 * A frame that breaks the protocol; carries the error code to answer with, the request id when known and the
 * frame's {@code type} when it was read.
 */
public final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final long id;
    private final String type;

    public ProtocolException(ErrorCode code, String message, long id) {
        this(code, message, id, null);
    }

    /** {@code type}: the offending frame's {@code type} member as read, or null when unknown. */
    public ProtocolException(ErrorCode code, String message, long id, String type) {
        super(message, null, false, false);
        this.code = code;
        this.id = id;
        this.type = type;
    }

    public ErrorCode code() {
        return code;
    }

    /** The request id of the offending command, or 0 when it could not be read. */
    public long id() {
        return id;
    }

    /**
     * The offending frame's {@code type} member (well-formed, but not necessarily a known type), or null when it
     * could not be read. A refused {@code reply} still settles the call it answers (docs/protocol.md §4).
     */
    public String type() {
        return type;
    }
}
