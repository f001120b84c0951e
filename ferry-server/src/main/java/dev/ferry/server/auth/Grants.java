package dev.ferry.server.auth;

import dev.ferry.protocol.Topics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What an API key, or a token's grants claim, allows: patterns per action. {@link #ALL} allows everything but
 * {@link Action#ADMIN} (the keys of the plain {@code http.api-keys} list). Immutable.
 */
public final class Grants {
    public static final Grants ALL = new Grants(null);

    /** Per action, the allowed patterns as words; {@code null} for {@link #ALL}. */
    private final Map<Action, List<String[]>> patterns;

    private Grants(Map<Action, List<String[]>> patterns) {
        this.patterns = patterns;
    }

    /** The grants of an API key, from rules parsed with {@link PermissionRule#parseGrant}. */
    public static Grants of(List<PermissionRule> grants) {
        Map<Action, List<String[]>> m = new EnumMap<>(Action.class);
        for (PermissionRule g : grants) {
            for (Action a : g.actions()) {
                m.computeIfAbsent(a, x -> new ArrayList<>()).add(g.patternFor(Identity.ANONYMOUS));
            }
        }
        return new Grants(m);
    }

    /**
     * The grants a token carries in its grants claim: a JSON object mapping action names to arrays of patterns,
     * e.g. {@code {"subscribe": ["chat.#"], "publish": ["chat.room1"]}}. IllegalArgumentException when malformed.
     */
    public static Grants fromClaim(Object claim) {
        if (!(claim instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("the grants claim must be an object of action: [patterns]");
        }
        Map<Action, List<String[]>> m = new EnumMap<>(Action.class);
        for (Map.Entry<?, ?> e : map.entrySet()) {
            Action a = Action.fromWire(String.valueOf(e.getKey()));
            if (a == null) {
                throw new IllegalArgumentException("the grants claim names an unknown action \""
                        + PermissionRule.printable(String.valueOf(e.getKey())) + "\"");
            }
            if (!(e.getValue() instanceof Collection<?> list)) {
                throw new IllegalArgumentException("the grants claim's \"" + a.wire() + "\" must be an array of patterns");
            }
            if (list.size() > 1000) {
                throw new IllegalArgumentException("the grants claim lists more than 1000 patterns for \"" + a.wire() + "\"");
            }
            List<String[]> out = m.computeIfAbsent(a, x -> new ArrayList<>());
            for (Object o : list) {
                String why = o instanceof String s ? Topics.checkPattern(s) : "not a string";
                if (why != null) {
                    throw new IllegalArgumentException("the grants claim's \"" + a.wire() + "\" has a bad pattern: " + why);
                }
                out.add(((String) o).split("\\.", -1));
            }
        }
        return new Grants(m);
    }

    /** Whether these grants allow {@code action} on every topic {@code target} (a topic or pattern) matches. */
    public boolean allows(Action action, String[] target) {
        if (patterns == null) {
            return action != Action.ADMIN; // only a named grant gives admin
        }
        for (String[] p : patterns.getOrDefault(action, List.of())) {
            if (TopicPatterns.covers(p, target)) {
                return true;
            }
        }
        return false;
    }

    public boolean isAll() {
        return patterns == null;
    }
}
