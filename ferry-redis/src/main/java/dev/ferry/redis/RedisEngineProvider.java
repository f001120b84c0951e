package dev.ferry.redis;

import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.engine.Engine;
import dev.ferry.server.engine.EngineProvider;

/** Offers {@link RedisEngine} for {@code engine: redis}. */
public final class RedisEngineProvider implements EngineProvider {
    @Override
    public String name() {
        return "redis";
    }

    @Override
    public Engine create(FerryConfig config) {
        return new RedisEngine(config.engine(), config.history());
    }
}
