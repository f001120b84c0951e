package dev.ferry.server.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Events out ({@code hooks.events.*}, docs/hooks.md, "Events out"): what happens to connections, subscriptions and
 * presence, POSTed to a backend in batches from a bounded queue, with retries.
 *
 * @param url where batches are POSTed; null: no events are sent (the default)
 * @param timeout longest wait for the backend's answer to one batch (default 10s)
 * @param headers headers added to every request
 * @param batchSize events per batch at most (default 100)
 * @param flushInterval how often the events queued are sent when fewer than a batch (default 1s)
 * @param queueSize events queued at most, the batch in flight included; when full, the oldest queued is dropped
 *     (default 10000)
 * @param kinds the kinds of events sent (default all of {@link #KINDS})
 * @param maxRetries how many times a batch the backend did not take is sent again before it is dropped (default 5)
 * @param retryBackoff the wait before the first retry, doubled for each next one up to 30 times it (default 500ms)
 */
public record EventsOutConfig(URI url, Duration timeout, Map<String, String> headers, int batchSize,
                              Duration flushInterval, int queueSize, Set<String> kinds, int maxRetries,
                              Duration retryBackoff) {
    /** Every kind of event, in the order docs/hooks.md lists them. */
    public static final List<String> KINDS = List.of("connection_opened", "connection_closed", "subscribed",
            "unsubscribed", "presence_joined", "presence_left");

    public static final EventsOutConfig DEFAULT = new EventsOutConfig(null, Duration.ofSeconds(10), Map.of(), 100,
            Duration.ofSeconds(1), 10_000, Set.copyOf(KINDS), 5, Duration.ofMillis(500));

    public EventsOutConfig {
        if (url != null) {
            HookUrls.check("hooks.events.url", url);
        }
        Checks.positive("hooks.events.timeout", timeout);
        headers = Map.copyOf(Checks.notNull("hooks.events.headers", headers));
        if (batchSize <= 0) {
            throw new ConfigException("hooks.events.batch-size: " + batchSize + " (expected: > 0)");
        }
        Checks.positive("hooks.events.flush-interval", flushInterval);
        if (queueSize < batchSize) {
            throw new ConfigException("hooks.events.queue-size: " + queueSize + " (expected: >= hooks.events.batch-size, "
                    + batchSize + ")");
        }
        for (String k : Checks.notNull("hooks.events.kinds", kinds)) {
            if (!KINDS.contains(k.toLowerCase(Locale.ROOT))) {
                throw new ConfigException("hooks.events.kinds: \"" + k + "\" (expected: some of " + String.join(", ", KINDS)
                        + ")");
            }
        }
        kinds = Set.copyOf(kinds.stream().map(k -> k.toLowerCase(Locale.ROOT)).toList());
        if (maxRetries < 0) {
            throw new ConfigException("hooks.events.max-retries: " + maxRetries + " (expected: >= 0)");
        }
        Checks.positive("hooks.events.retry-backoff", retryBackoff);
    }

    /** Whether events are sent at all. */
    public boolean enabled() {
        return url != null;
    }
}
