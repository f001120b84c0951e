package dev.ferry.server.config;

import dev.ferry.protocol.Topics;
import java.time.Duration;
import java.util.List;

/**
 * Per-topic history, kept so that clients can recover what they missed.
 *
 * @param size publications kept per topic (default 100; 0 keeps none)
 * @param ttl how long a publication is kept (default 5m)
 * @param maxRecovery the page size of a recovery: a larger gap is replayed in pages of this many publications,
 *     each read once the previous one has been written (default 1000); also the largest {@code history} limit
 * @param lossyTopics patterns of topics that keep no history and whose publications are dropped, not queued
 *     without bound, for a subscriber that falls behind (default: none)
 * @param rules count and age limits for the topics of a pattern, instead of {@code size} and {@code ttl}; the
 *     first rule (in name order) whose pattern matches a topic applies (default: none)
 */
public record HistoryConfig(int size, Duration ttl, int maxRecovery, List<String> lossyTopics, List<Rule> rules) {
    public static final HistoryConfig DEFAULT = new HistoryConfig(100, Duration.ofMinutes(5), 1000, List.of(), List.of());

    /** History limits for the topics matching {@code pattern} ({@code history.rules.<name>.*}). */
    public record Rule(String name, String pattern, int size, Duration ttl) {
        public Rule {
            String key = "history.rules." + name;
            Checks.pattern(key + ".pattern", pattern);
            Checks.declared(key + ".size", size);
            Checks.positive(key + ".ttl", ttl);
        }
    }

    /** The limits of one topic. */
    public record Limits(int size, Duration ttl) {
    }

    /** History without per-pattern rules. */
    public HistoryConfig(int size, Duration ttl, int maxRecovery, List<String> lossyTopics) {
        this(size, ttl, maxRecovery, lossyTopics, List.of());
    }

    /** The limits that apply to {@code topic}: its first matching rule's, else {@code size} and {@code ttl}. */
    public Limits limitsFor(String topic) {
        for (Rule r : rules) {
            if (Topics.matches(r.pattern(), topic)) {
                return new Limits(r.size(), r.ttl());
            }
        }
        return new Limits(size, ttl);
    }

    public HistoryConfig {
        Checks.declared("history.size", size);
        Checks.positive("history.ttl", ttl);
        Checks.declared("history.max-recovery", maxRecovery);
        lossyTopics = List.copyOf(Checks.notNull("history.lossy-topics", lossyTopics));
        rules = List.copyOf(Checks.notNull("history.rules", rules));
        for (String p : lossyTopics) {
            Checks.pattern("history.lossy-topics", p);
        }
    }
}
