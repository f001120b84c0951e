package dev.ferry.server.extension;

import dev.ferry.server.config.ConfigSection;
import dev.ferry.server.config.Settings;

/**
 * Creates a {@link FerryExtension} from the configuration keys of its section ({@code rabbitmq.*} for the
 * section {@code rabbitmq}), declared in its {@link #schema()}. Found with {@link java.util.ServiceLoader} (a
 * {@code META-INF/services/dev.ferry.server.extension.ExtensionProvider} file in the extension's jar) by
 * {@link Extensions}, whose loader accepts the section's keys, and creates the extension only when at least one
 * of its keys is set, or, for a provider of an engine, when the {@code engine} key names it.
 */
public interface ExtensionProvider extends ConfigSection {
    /**
     * Creates the extension, without starting it, from the section's keys read through {@code settings} (typed by
     * {@link #schema()}; unknown keys were already refused). Throws a
     * {@link dev.ferry.server.config.ConfigException} whose message names the offending key.
     */
    FerryExtension create(Settings settings);

    /**
     * The value of the {@code engine} key whose engine this provider's extension (an {@link EngineExtension})
     * offers, or null (most extensions offer none).
     */
    default String engine() {
        return null;
    }
}
