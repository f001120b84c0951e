package dev.ferry.server.auth;

/**
 * The answer of a permission check.
 *
 * @param allowed whether the action may proceed
 * @param reason why it is denied, naming action and topic (for the client's error message); {@code null} when
 *     allowed
 */
public record Decision(boolean allowed, String reason) {
    public static final Decision ALLOW = new Decision(true, null);

    public static Decision deny(String reason) {
        return new Decision(false, reason);
    }
}
