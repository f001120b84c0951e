package dev.ferry.server.engine;

import dev.ferry.server.config.FerryConfig;

/** Creates an engine named in configuration ({@code engine: redis}); found with {@link java.util.ServiceLoader}. */
public interface EngineProvider {
    /** The value of the {@code engine} key this provider answers to. */
    String name();

    Engine create(FerryConfig config);
}
