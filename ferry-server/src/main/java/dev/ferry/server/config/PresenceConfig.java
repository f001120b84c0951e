package dev.ferry.server.config;

import dev.ferry.protocol.Topics;
import java.time.Duration;
import java.util.List;

/**
 * Presence: who is subscribed to a topic (docs/protocol.md §4.7). Kept only for the concrete topics matched by a
 * rule that is enabled; the first rule (in name order) whose pattern matches a topic decides.
 *
 * @param rules per-pattern presence settings ({@code presence.rules.<name>.*}; default: none, so no presence)
 * @param expiry how long the entries of a node that stopped without removing them stay visible in a cluster
 *     (the Redis engine refreshes a node's entries every third of it; default 15s)
 */
public record PresenceConfig(List<Rule> rules, Duration expiry) {
    public static final PresenceConfig DEFAULT = new PresenceConfig(List.of(), Duration.ofSeconds(15));
    public static final int DEFAULT_MAX_ENTRIES = 1000;
    public static final Duration DEFAULT_COALESCE = Duration.ofMillis(250);
    public static final int DEFAULT_MAX_INFO_BYTES = 1024;
    public static final int DEFAULT_MAX_DIFF = 100;

    /**
     * Presence of the topics matching {@code pattern} ({@code presence.rules.<name>.*}).
     *
     * @param enabled whether presence is kept (false exempts the topics from later rules; default true)
     * @param maxEntries most entries per topic; connections beyond it are subscribed but not listed (default 1000)
     * @param coalesce how long joins and leaves are gathered into one {@code presence_diff} push (default 250ms)
     * @param maxInfoBytes the largest client info, in bytes of its JSON (default 1024)
     * @param maxDiff most changes in one push; more within one window become one {@code reset} push (default 100)
     */
    public record Rule(String name, String pattern, boolean enabled, int maxEntries, Duration coalesce,
                       int maxInfoBytes, int maxDiff) {
        public Rule {
            String key = "presence.rules." + name;
            Checks.pattern(key + ".pattern", pattern);
            Checks.declared(key + ".max-entries", maxEntries);
            Checks.positive(key + ".coalesce", coalesce);
            Checks.declared(key + ".max-info-bytes", maxInfoBytes);
            Checks.declared(key + ".max-diff", maxDiff);
        }

        /** An enabled rule with the default limits. */
        public Rule(String name, String pattern) {
            this(name, pattern, true, DEFAULT_MAX_ENTRIES, DEFAULT_COALESCE, DEFAULT_MAX_INFO_BYTES, DEFAULT_MAX_DIFF);
        }
    }

    public PresenceConfig {
        rules = List.copyOf(Checks.notNull("presence.rules", rules));
        Checks.positive("presence.expiry", expiry);
    }

    /** The rule that keeps presence for {@code topic}, or null when none does. */
    public Rule ruleFor(String topic) {
        for (Rule r : rules) {
            if (Topics.matches(r.pattern(), topic)) {
                return r.enabled() ? r : null;
            }
        }
        return null;
    }

    public boolean isEmpty() {
        return rules.stream().noneMatch(Rule::enabled);
    }
}
