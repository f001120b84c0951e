package dev.ferry.server.auth;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The permissions of one identity, resolved once (placeholders filled, rules that do not apply dropped) so that a
 * check costs a few pattern comparisons. Immutable; a connection keeps one and replaces it when it
 * re-authenticates.
 */
public final class AccessScope {
    private final Identity identity;
    /** Per action, the patterns the configured rules allow this identity; {@code null} when no rules exist. */
    private final Map<Action, List<String[]>> allowed;

    AccessScope(Identity identity, List<PermissionRule> rules) {
        this.identity = identity;
        if (rules.isEmpty() || identity.kind() == Identity.Kind.API_KEY) {
            this.allowed = null;
            return;
        }
        Map<Action, List<String[]>> m = new EnumMap<>(Action.class);
        for (PermissionRule r : rules) {
            if (!r.who().matches(identity)) {
                continue;
            }
            String[] p = r.patternFor(identity);
            if (p == null) {
                continue;
            }
            for (Action a : r.actions()) {
                m.computeIfAbsent(a, x -> new ArrayList<>()).add(p);
            }
        }
        this.allowed = m;
    }

    public Identity identity() {
        return identity;
    }

    /**
     * Whether {@code identity} may do {@code action} on {@code target}: a topic, a procedure name, or (for
     * {@link Action#SUBSCRIBE}) a pattern, which is allowed only when one allowed pattern covers all it can match.
     */
    public Decision check(Action action, String target) {
        if (allowed == null && identity.grants() == null) {
            // without rules every identity may do everything but operate the server, which is never open
            return action != Action.ADMIN ? Decision.ALLOW
                    : Decision.deny(deniedTo(action, target) + " is not granted to " + identity.describe());
        }
        String[] words = target.split("\\.", -1);
        if (identity.kind() == Identity.Kind.API_KEY) {
            return identity.grants().allows(action, words) ? Decision.ALLOW
                    : Decision.deny(deniedTo(action, target) + " is not granted to " + identity.describe());
        }
        if (allowed != null && !anyCovers(allowed.getOrDefault(action, List.of()), words)) {
            return Decision.deny(deniedTo(action, target) + " is not allowed for " + identity.describe()
                    + (action == Action.SUBSCRIBE && (target.contains("*") || target.contains("#"))
                    ? " (a wildcard subscription must lie wholly within what is allowed)" : ""));
        }
        if (identity.grants() != null && !identity.grants().allows(action, words)) {
            return Decision.deny(deniedTo(action, target) + " is not among the grants of the token of " + identity.describe());
        }
        return Decision.ALLOW;
    }

    /** Whether this identity may subscribe to {@code pattern}: what the topic index shows it (docs/security.md). */
    public boolean maySubscribe(String pattern) {
        return check(Action.SUBSCRIBE, pattern).allowed();
    }

    /**
     * Whether this identity may subscribe to some pattern at or below {@code prefix} (a valid pattern): false only
     * when no rule allowing {@code subscribe} can reach there, true when unsure. It prunes the topic index's walk.
     */
    public boolean maySubscribeAtOrBelow(String prefix) {
        if (allowed == null) {
            return true;
        }
        String[] words = prefix.split("\\.", -1);
        for (String[] p : allowed.getOrDefault(Action.SUBSCRIBE, List.of())) {
            if (TopicPatterns.mayCoverAtOrBelow(p, words)) {
                return true;
            }
        }
        return false;
    }

    private static boolean anyCovers(List<String[]> patterns, String[] target) {
        for (String[] p : patterns) {
            if (TopicPatterns.covers(p, target)) {
                return true;
            }
        }
        return false;
    }

    private static String deniedTo(Action action, String target) {
        return action.wire() + " on \"" + PermissionRule.printable(target) + "\"";
    }
}
