package dev.ferry.server.hooks;

import dev.ferry.server.auth.Identity;

/**
 * What the connect or refresh hook decided about a connection: exactly one of the three.
 *
 * @param identity the identity the backend gave (allowed)
 * @param refusal the backend's refusal (refused: the client sees its code and reason)
 * @param failure why there was no usable answer (the hook's failure policy decides)
 */
public record ConnectVerdict(Identity identity, Refused refusal, String failure) {
    /** A refusal by the backend: {@code code} and {@code reason} are shown to the client. */
    public record Refused(String code, String reason) {
    }

    public static ConnectVerdict allowed(Identity identity) {
        return new ConnectVerdict(identity, null, null);
    }

    public static ConnectVerdict refused(String code, String reason) {
        return new ConnectVerdict(null, new Refused(code, reason), null);
    }

    public static ConnectVerdict failed(String why) {
        return new ConnectVerdict(null, null, why);
    }
}
