package dev.ferry.server.auth;

/**
 * Why a client was not authenticated.
 *
 * @param status the HTTP status to answer with: 401 (no or bad credentials) or 403 (the API is off)
 * @param code a stable code: {@code unauthorized}, {@code api_disabled}
 * @param message for people; names the reason (expired, wrong issuer, ...) but never echoes a secret
 */
public record AuthError(int status, String code, String message) implements AuthOutcome {
    public static AuthError unauthorized(String message) {
        return new AuthError(401, "unauthorized", message);
    }
}
