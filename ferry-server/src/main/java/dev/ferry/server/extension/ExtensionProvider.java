package dev.ferry.server.extension;

import java.util.List;
import java.util.Map;

/**
 * Creates a {@link FerryExtension} from the configuration keys under its section ({@code rabbitmq.*} for the
 * section {@code rabbitmq}). Found with {@link java.util.ServiceLoader} (a
 * {@code META-INF/services/dev.ferry.server.extension.ExtensionProvider} file in the extension's jar) by
 * {@link dev.ferry.server.config.ConfigLoader}, which leaves the section's keys to the provider instead of
 * rejecting them as unknown, and creates the extension only when at least one of its keys is set.
 */
public interface ExtensionProvider {
    /** The first word of the keys this provider owns, e.g. {@code rabbitmq}. */
    String section();

    /**
     * The keys this provider understands, for error messages and the documentation check; a {@code <name>}
     * word stands for any name chosen by the user, e.g. {@code rabbitmq.bridges.<name>.exchange}.
     */
    List<String> keys();

    /**
     * Validates {@code settings} (full keys, e.g. {@code rabbitmq.uri}, all under {@link #section()}) and
     * creates the extension without starting it. Throws a {@link dev.ferry.server.config.ConfigException} whose
     * message names the offending key.
     */
    FerryExtension create(Map<String, String> settings);
}
