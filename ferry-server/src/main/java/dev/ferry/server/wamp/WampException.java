package dev.ferry.server.wamp;

/** A message that breaks the protocol or a request refused: the WAMP error URI and a message for the peer. */
public final class WampException extends Exception {
    private final String uri;

    public WampException(String uri, String message) {
        super(message, null, false, false);
        this.uri = uri;
    }

    /** {@code wamp.error.protocol_violation}: the session is aborted. */
    static WampException violation(String message) {
        return new WampException(WampErrors.PROTOCOL_VIOLATION, message);
    }

    public String uri() {
        return uri;
    }
}
