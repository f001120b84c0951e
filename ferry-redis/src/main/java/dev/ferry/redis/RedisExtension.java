package dev.ferry.redis;

import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.engine.Engine;
import dev.ferry.server.extension.EngineExtension;
import dev.ferry.server.extension.ExtensionContext;
import dev.ferry.server.time.ServerClock;
import java.util.Objects;

/**
 * The Redis engine as an extension: with {@code engine: redis}, the server asks it for a {@link RedisEngine} of
 * its {@link RedisConfig} before the hub exists. Embedded:
 * {@code FerryServer.builder().config(c.withEngine(c.engine().withEngine("redis"))).extension(new RedisExtension(redis))}.
 * The engine's lifecycle is the server's; starting and closing the extension do nothing.
 */
public final class RedisExtension implements EngineExtension {
    private final RedisConfig redis;

    public RedisExtension(RedisConfig redis) {
        this.redis = Objects.requireNonNull(redis, "redis");
    }

    public RedisConfig config() {
        return redis;
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public Engine engine(FerryConfig config, ServerClock clock) {
        return new RedisEngine(redis, config.engine(), config.history());
    }

    @Override
    public void start(ExtensionContext context) {
    }

    @Override
    public void close() {
    }
}
