package dev.ferry.redis;

import dev.ferry.server.config.ConfigSchema;
import dev.ferry.server.config.Settings;
import dev.ferry.server.extension.ExtensionProvider;
import dev.ferry.server.extension.FerryExtension;

/** Creates the {@link RedisExtension} when {@code engine} is {@code redis}; listed in META-INF/services. */
public final class RedisExtensionProvider implements ExtensionProvider {
    @Override
    public String section() {
        return RedisConfig.SECTION;
    }

    @Override
    public ConfigSchema schema() {
        return RedisConfig.SCHEMA;
    }

    @Override
    public String engine() {
        return "redis";
    }

    @Override
    public FerryExtension create(Settings settings) {
        return new RedisExtension(RedisConfig.parse(settings));
    }
}
