package dev.ferry.server.auth;

import java.util.List;

/**
 * The configured permission rules ({@code auth.rules}). With no rules every identity may do everything (as before
 * authorization existed); once any rule exists, what no rule allows is denied. A token's own grants, and an API
 * key's, narrow further: an action must be allowed by both. Thread-safe (immutable).
 */
public final class Permissions {
    private final List<PermissionRule> rules;

    public Permissions(List<PermissionRule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** Parses {@code auth.rules}; IllegalArgumentException names the bad rule. */
    public static Permissions parse(List<String> rules) {
        return new Permissions(rules.stream().map(PermissionRule::parseRule).toList());
    }

    public boolean isOpen() {
        return rules.isEmpty();
    }

    /** The resolved permissions of {@code identity}; keep it for the connection's lifetime. */
    public AccessScope scope(Identity identity) {
        return new AccessScope(identity, rules);
    }

    /** One check, for callers that do not keep a scope. */
    public Decision check(Identity identity, Action action, String target) {
        return scope(identity).check(action, target);
    }
}
