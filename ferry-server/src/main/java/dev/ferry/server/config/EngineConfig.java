package dev.ferry.server.config;

import java.time.Duration;
import java.util.List;

/**
 * Which engine carries publications, history and calls (docs/redis.md), and how publication ids are remembered.
 * An engine other than {@code memory} is offered by an extension ({@code redis}: ferry-redis, whose own keys are
 * {@code redis.*}).
 *
 * @param engine {@code memory} (one node; default) or {@code redis} (several nodes sharing one Redis; needs the
 *     ferry-redis extension)
 * @param dedupWindow how long a publication id is remembered, so that a retry of the publication within it is
 *     recognised and not published again ({@code publish.dedup-window}, default 2m)
 * @param dedupMaxIds the most publication ids one node remembers with the memory engine (about 250 bytes each); a
 *     publication with a new id beyond it is refused with {@code too_many_pub_ids} ({@code publish.dedup-max-ids},
 *     default 100000)
 */
public record EngineConfig(String engine, Duration dedupWindow, int dedupMaxIds) {
    public static final List<String> ENGINES = List.of("memory", "redis");
    public static final EngineConfig DEFAULT = new EngineConfig("memory", Duration.ofMinutes(2), 100_000);

    public EngineConfig {
        Checks.notNull("engine", engine);
        if (!ENGINES.contains(engine)) {
            throw new ConfigException("engine: " + engine + " (expected: one of " + String.join(", ", ENGINES) + ")");
        }
        Checks.positive("publish.dedup-window", dedupWindow);
        Checks.declared("publish.dedup-max-ids", dedupMaxIds);
    }

    public EngineConfig withEngine(String e) {
        return new EngineConfig(e, dedupWindow, dedupMaxIds);
    }

    public EngineConfig withDedup(Duration window, int maxIds) {
        return new EngineConfig(engine, window, maxIds);
    }
}
