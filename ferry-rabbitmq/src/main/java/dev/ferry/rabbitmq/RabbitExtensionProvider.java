package dev.ferry.rabbitmq;

import dev.ferry.server.extension.ExtensionProvider;
import dev.ferry.server.extension.FerryExtension;
import java.util.List;
import java.util.Map;

/** Creates the {@link RabbitBridge} when any {@code rabbitmq.*} key is set; listed in META-INF/services. */
public final class RabbitExtensionProvider implements ExtensionProvider {
    @Override
    public String section() {
        return RabbitConfig.SECTION;
    }

    @Override
    public List<String> keys() {
        return RabbitConfig.KEYS;
    }

    @Override
    public FerryExtension create(Map<String, String> settings) {
        return new RabbitBridge(RabbitConfig.parse(settings));
    }
}
