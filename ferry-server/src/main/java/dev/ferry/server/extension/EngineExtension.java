package dev.ferry.server.extension;

import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.engine.Engine;
import dev.ferry.server.time.ServerClock;

/**
 * An extension that offers an engine: when the {@code engine} key names it (its {@link #name()}, e.g.
 * {@code redis}), the server asks it for the engine once, before the hub exists, then starts it like any
 * extension. The server starts and closes the engine it returns.
 */
public interface EngineExtension extends FerryExtension {
    /** A new engine for a server of {@code config}, whose expiries follow {@code clock}; not started. */
    Engine engine(FerryConfig config, ServerClock clock);
}
