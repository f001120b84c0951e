package dev.ferry.server.extension;

import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.hub.Hub;
import java.util.Objects;

/**
 * What a started {@link FerryExtension} may use: the server's configuration, its hub (publish from any
 * thread; subscribe with a {@link dev.ferry.server.hub.Subscriber} on an executor of the extension's own;
 * observe interest with {@link Hub#addInterestListener}), and the meter registry scraped at {@code GET /metrics},
 * where it registers its own meters.
 */
public record ExtensionContext(FerryConfig config, Hub hub, io.micrometer.core.instrument.MeterRegistry meters) {
    public ExtensionContext {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(hub, "hub");
        Objects.requireNonNull(meters, "meters");
    }

    /** A context whose meters nobody scrapes. */
    public ExtensionContext(FerryConfig config, Hub hub) {
        this(config, hub, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }
}
