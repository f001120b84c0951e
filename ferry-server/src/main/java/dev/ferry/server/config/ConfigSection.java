package dev.ferry.server.config;

/**
 * A section of configuration keys owned by code outside the server's core (an extension, an engine): the first
 * word of its keys and their declarations. {@link ConfigLoader#sections} makes a loader accept them and
 * {@link ConfigLoader#section} hands them to their owner as a typed {@link Settings}.
 */
public interface ConfigSection {
    /** The first word of the keys, e.g. {@code rabbitmq}. */
    String section();

    /** The declarations of the section's keys, each starting with {@link #section()} and a dot. */
    ConfigSchema schema();
}
