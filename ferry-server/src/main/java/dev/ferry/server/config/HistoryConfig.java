package dev.ferry.server.config;

import dev.ferry.protocol.Topics;
import java.time.Duration;
import java.util.List;

/**
 * Per-topic history, kept so that clients can recover what they missed.
 *
 * @param size publications kept per topic (default 100; 0 keeps none)
 * @param ttl how long a publication is kept (default 5m)
 * @param maxRecovery most publications replayed by one {@code sub} with {@code since}; a larger gap is answered
 *     "not recovered" and the client pages through {@code history} instead (default 1000)
 * @param lossyTopics patterns of topics that keep no history and whose publications are dropped, not queued
 *     without bound, for a subscriber that falls behind (default: none)
 */
public record HistoryConfig(int size, Duration ttl, int maxRecovery, List<String> lossyTopics) {
    public static final HistoryConfig DEFAULT = new HistoryConfig(100, Duration.ofMinutes(5), 1000, List.of());

    public HistoryConfig {
        Checks.atLeast("history.size", size, 0);
        Checks.positive("history.ttl", ttl);
        Checks.positive("history.max-recovery", maxRecovery);
        lossyTopics = List.copyOf(Checks.notNull("history.lossy-topics", lossyTopics));
        for (String p : lossyTopics) {
            String why = Topics.checkPattern(p);
            if (why != null) {
                throw new ConfigException("history.lossy-topics: " + why);
            }
        }
    }
}
