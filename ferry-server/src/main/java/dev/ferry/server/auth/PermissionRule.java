package dev.ferry.server.auth;

import dev.ferry.protocol.Topics;
import java.util.EnumSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One allowing rule: {@code <actions> <pattern> <who>}, e.g. {@code subscribe+history chat.# authenticated} or
 * {@code all user.{sub}.# authenticated} (docs/security.md). Rules only allow; what no rule allows is denied.
 *
 * <ul>
 *   <li>actions: {@code all}, or action names joined by {@code +} ({@code subscribe}, {@code publish},
 *       {@code call}, {@code register}, {@code history}, {@code tunnel}, {@code presence}, {@code admin}; {@code all}
 *       is every one of them but {@code admin});</li>
 *   <li>pattern: a topic pattern (docs/protocol.md §3) in which a whole word may be a placeholder {@code {claim}},
 *       replaced by that claim of the client's token; the rule does not apply to a client whose claim is missing or
 *       is not a single valid topic word (so a claim can never inject dots or wildcards);</li>
 *   <li>who: {@code everyone}, {@code anonymous}, {@code authenticated} (a verified token), {@code claim:<name>=<value>}
 *       (the token's claim equals the value, or is an array containing it), {@code cert:*} (a verified client
 *       certificate) or {@code cert:<attr>=<value>} (a certificate whose subject attribute or subject alternative
 *       name {@code attr} has the value). A grant of an API key has no who.</li>
 * </ul>
 */
public final class PermissionRule {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_-]{0,63})}");
    private static final Pattern CLAIM_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]{0,63}");

    /** To whom a rule applies. */
    public sealed interface Who {
        boolean matches(Identity identity);
    }

    public record Everyone() implements Who {
        public boolean matches(Identity identity) {
            return true;
        }

        @Override
        public String toString() {
            return "everyone";
        }
    }

    public record Anonymous() implements Who {
        public boolean matches(Identity identity) {
            return identity.kind() == Identity.Kind.ANONYMOUS;
        }

        @Override
        public String toString() {
            return "anonymous";
        }
    }

    public record Authenticated() implements Who {
        public boolean matches(Identity identity) {
            return identity.kind() == Identity.Kind.TOKEN;
        }

        @Override
        public String toString() {
            return "authenticated";
        }
    }

    /** A token whose claim equals the value (or is an array holding it); never a certificate. */
    public record ClaimEquals(String claim, String value) implements Who {
        public boolean matches(Identity identity) {
            return identity.kind() == Identity.Kind.TOKEN && holds(identity, claim, value);
        }

        @Override
        public String toString() {
            return "claim:" + claim + "=" + value;
        }
    }

    /** A verified client certificate, any when {@code attribute} is null, else one whose attribute holds the value. */
    public record CertificateHolds(String attribute, String value) implements Who {
        public boolean matches(Identity identity) {
            return identity.kind() == Identity.Kind.CERTIFICATE && (attribute == null || holds(identity, attribute, value));
        }

        @Override
        public String toString() {
            return attribute == null ? "cert:*" : "cert:" + attribute + "=" + value;
        }
    }

    /** Whether the identity's claim or attribute {@code name} equals {@code value}, or is an array holding it. */
    private static boolean holds(Identity identity, String name, String value) {
        Object v = identity.claims().get(name);
        if (v instanceof java.util.Collection<?> c) {
            for (Object o : c) {
                if (o != null && !(o instanceof java.util.Map) && value.equals(String.valueOf(o))) {
                    return true;
                }
            }
            return false;
        }
        return (v instanceof String || v instanceof Number || v instanceof Boolean) && value.equals(String.valueOf(v));
    }

    private final String text;
    private final Set<Action> actions;
    private final String[] words;
    private final boolean placeholders;
    private final Who who;

    private PermissionRule(String text, Set<Action> actions, String[] words, boolean placeholders, Who who) {
        this.text = text;
        this.actions = actions;
        this.words = words;
        this.placeholders = placeholders;
        this.who = who;
    }

    /** Parses a rule with a who part (for {@code auth.rules}); IllegalArgumentException says what is wrong. */
    public static PermissionRule parseRule(String text) {
        return parse(text, true);
    }

    /** Parses a grant, {@code <actions> <pattern>} without placeholders (for API keys). */
    public static PermissionRule parseGrant(String text) {
        return parse(text, false);
    }

    private static PermissionRule parse(String text, boolean withWho) {
        if (text == null) {
            throw new IllegalArgumentException("empty rule");
        }
        // The who part runs to the end of the rule: a certificate's O or OU value may hold spaces.
        String[] parts = withWho ? text.trim().split("\\s+", 3) : text.trim().split("\\s+");
        int expected = withWho ? 3 : 2;
        if (parts.length != expected || parts[0].isEmpty()) {
            throw new IllegalArgumentException("rule \"" + printable(text) + "\" (expected: "
                    + (withWho ? "<actions> <pattern> <who>, e.g. subscribe+history chat.# authenticated"
                    : "<actions> <pattern>, e.g. publish+call orders.#") + ")");
        }
        Set<Action> actions = parseActions(parts[0], text);
        String pattern = parts[1];
        boolean placeholders = false;
        String[] words = pattern.split("\\.", -1);
        StringBuilder probe = new StringBuilder();
        for (int i = 0; i < words.length; i++) {
            String w = words[i];
            if (w.indexOf('{') >= 0 || w.indexOf('}') >= 0) {
                if (!withWho) {
                    throw new IllegalArgumentException("rule \"" + printable(text) + "\": placeholders such as "
                            + "{sub} are only allowed in auth.rules");
                }
                if (!PLACEHOLDER.matcher(w).matches()) {
                    throw new IllegalArgumentException("rule \"" + printable(text) + "\": \"" + printable(w)
                            + "\" (expected: a placeholder {claim} filling a whole word)");
                }
                placeholders = true;
                probe.append(i == 0 ? "" : ".").append("x");
            } else {
                probe.append(i == 0 ? "" : ".").append(w);
            }
        }
        String why = Topics.checkPattern(probe.toString());
        if (why != null) {
            throw new IllegalArgumentException("rule \"" + printable(text) + "\": " + why);
        }
        Who who = withWho ? parseWho(parts[2], text) : null;
        return new PermissionRule(text.trim(), actions, words, placeholders, who);
    }

    private static Set<Action> parseActions(String s, String text) {
        if (s.equals("all")) {
            return EnumSet.complementOf(EnumSet.of(Action.ADMIN)); // admin is only granted by name
        }
        EnumSet<Action> out = EnumSet.noneOf(Action.class);
        for (String a : s.split("\\+", -1)) {
            Action action = Action.fromWire(a);
            if (action == null) {
                throw new IllegalArgumentException("rule \"" + printable(text) + "\": unknown action \"" + printable(a)
                        + "\" (expected: all, or some of subscribe, publish, call, register, history, tunnel, presence, admin joined by +)");
            }
            out.add(action);
        }
        return out;
    }

    private static Who parseWho(String s, String text) {
        switch (s) {
            case "everyone":
                return new Everyone();
            case "anonymous":
                return new Anonymous();
            case "authenticated":
                return new Authenticated();
            default:
                break;
        }
        if (s.equals("cert:*")) {
            return new CertificateHolds(null, null);
        }
        if (s.startsWith("cert:")) {
            int eq = s.indexOf('=');
            String attribute = eq > 5 ? s.substring(5, eq).toUpperCase(java.util.Locale.ROOT) : "";
            if (eq < s.length() - 1 && CertificatePrincipal.knownAttribute(attribute)) {
                return new CertificateHolds(attribute, CertificatePrincipal.normalize(attribute, s.substring(eq + 1)));
            }
            throw new IllegalArgumentException("rule \"" + printable(text) + "\": who \"" + printable(s)
                    + "\" (expected: cert:* or cert:<attr>=<value> with attr one of "
                    + CertificatePrincipal.attributeNames() + ")");
        }
        if (s.startsWith("claim:")) {
            int eq = s.indexOf('=');
            if (eq > 6 && eq < s.length() - 1) {
                String name = s.substring(6, eq);
                if (CLAIM_NAME.matcher(name).matches()) {
                    return new ClaimEquals(name, s.substring(eq + 1));
                }
            }
        }
        throw new IllegalArgumentException("rule \"" + printable(text) + "\": who \"" + printable(s)
                + "\" (expected: everyone, anonymous, authenticated, claim:<name>=<value>, cert:* or cert:<attr>=<value>)");
    }

    public Set<Action> actions() {
        return actions;
    }

    /** To whom the rule applies; {@code null} for a grant. */
    public Who who() {
        return who;
    }

    /**
     * The rule's pattern for {@code identity}, as words, with placeholders replaced by claims; {@code null} when a
     * placeholder cannot be filled (missing claim, or one that is not a single valid topic word).
     */
    public String[] patternFor(Identity identity) {
        if (!placeholders) {
            return words;
        }
        String[] out = words.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i].startsWith("{")) {
                Object v = identity.claims().get(out[i].substring(1, out[i].length() - 1));
                if (!(v instanceof String || v instanceof Number)) {
                    return null;
                }
                String word = String.valueOf(v);
                if (Topics.checkTopic(word) != null || word.indexOf('.') >= 0) {
                    return null;
                }
                out[i] = word;
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return text;
    }

    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(200).forEach(cp -> {
            if (cp < 0x20 || cp == 0x7f) {
                b.append(String.format("\\u%04x", cp));
            } else {
                b.appendCodePoint(cp);
            }
        });
        return b.toString();
    }
}
