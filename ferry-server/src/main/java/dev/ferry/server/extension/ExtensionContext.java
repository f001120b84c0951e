package dev.ferry.server.extension;

import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.hub.Hub;
import java.util.Objects;

/**
 * What a started {@link FerryExtension} may use: the server's configuration and its hub (publish from any
 * thread; subscribe with a {@link dev.ferry.server.hub.Subscriber} on an executor of the extension's own;
 * observe interest with {@link Hub#addInterestListener}).
 */
public record ExtensionContext(FerryConfig config, Hub hub) {
    public ExtensionContext {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(hub, "hub");
    }
}
