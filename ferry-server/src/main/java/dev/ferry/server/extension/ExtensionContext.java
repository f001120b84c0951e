package dev.ferry.server.extension;

import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.hub.Hub;
import java.util.Objects;

/**
 * What a started {@link FerryExtension} may use: the server's configuration, its hub (publish from any
 * thread; subscribe with a {@link dev.ferry.server.hub.Subscriber} on an executor of the extension's own;
 * observe interest with {@link Hub#addInterestListener}), the meter registry scraped at {@code GET /metrics},
 * where it registers its own meters, and the check of the server's event classes, which a publication that comes
 * from outside passes before it is published.
 */
public record ExtensionContext(FerryConfig config, Hub hub, io.micrometer.core.instrument.MeterRegistry meters,
                               PublicationCheck publications) {
    public ExtensionContext {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(hub, "hub");
        Objects.requireNonNull(meters, "meters");
        Objects.requireNonNull(publications, "publications");
    }

    /** A context whose meters nobody scrapes, on a server without event classes. */
    public ExtensionContext(FerryConfig config, Hub hub) {
        this(config, hub, new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), PublicationCheck.NONE);
    }
}
