package dev.ferry.rabbitmq;

import dev.ferry.server.config.ConfigSchema;
import dev.ferry.server.config.Settings;
import dev.ferry.server.extension.ExtensionProvider;
import dev.ferry.server.extension.FerryExtension;

/** Creates the {@link RabbitBridge} when any {@code rabbitmq.*} key is set; listed in META-INF/services. */
public final class RabbitExtensionProvider implements ExtensionProvider {
    @Override
    public String section() {
        return RabbitConfig.SECTION;
    }

    @Override
    public ConfigSchema schema() {
        return RabbitConfig.SCHEMA;
    }

    @Override
    public FerryExtension create(Settings settings) {
        return new RabbitBridge(RabbitConfig.parse(settings), settings.values());
    }
}
