package dev.ferry.server.websocket;

import dev.ferry.protocol.CloseCodes;

/**
 * A connection the connect hook refused (docs/hooks.md, "connect"), as a WebSocket endpoint answers it: the upgrade
 * is accepted and the socket closed at once with {@link #closeCode()} and {@link #closeReason()} (a browser's
 * WebSocket cannot read the status of a refused upgrade, but it reads a close code and reason); WAMP answers its
 * HELLO with ABORT {@code ferry.error.<code>} instead.
 *
 * @param code {@code connect_refused} (the backend refused) or {@code connect_unavailable} (no answer, failure
 *             policy refuse)
 * @param message the application's reason, or why there was no answer
 * @param applicationCode the application's code of a refusal ({@code login_required}, ...); null for
 *                        {@code connect_unavailable}
 */
public record ConnectRefusal(String code, String message, String applicationCode) {
    public static final String REFUSED = "connect_refused";
    public static final String UNAVAILABLE = "connect_unavailable";

    public static ConnectRefusal refused(String applicationCode, String reason) {
        return new ConnectRefusal(REFUSED, reason, applicationCode);
    }

    public static ConnectRefusal unavailable(String message) {
        return new ConnectRefusal(UNAVAILABLE, message, null);
    }

    /** 4403 for a refusal, 4503 for no answer. */
    public int closeCode() {
        return applicationCode != null ? CloseCodes.CONNECT_REFUSED : CloseCodes.CONNECT_UNAVAILABLE;
    }

    /**
     * {@code <the application's code>: <its reason>} for a refusal, the message for no answer; cut to the 123
     * bytes of UTF-8 a close frame holds.
     */
    public String closeReason() {
        return CloseCodes.reason(applicationCode != null ? applicationCode + ": " + message : message);
    }
}
