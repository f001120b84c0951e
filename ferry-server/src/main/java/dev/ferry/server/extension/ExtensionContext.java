package dev.ferry.server.extension;

import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.hub.Delivery;
import dev.ferry.server.hub.Hub;
import io.netty.util.concurrent.EventExecutor;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What a started {@link FerryExtension} may use: the server's configuration; connections to the node made by the
 * connection core ({@link #connect}), through which it subscribes and publishes as clients do, under the same
 * admission; the hub, to observe which patterns clients hold ({@link Hub#addInterestListener}); and the meter
 * registry scraped at {@code GET /metrics}, where it registers its own meters.
 */
public record ExtensionContext(FerryConfig config, Hub hub, io.micrometer.core.instrument.MeterRegistry meters,
                               ExtensionConnection.Opener connections) {
    public ExtensionContext {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(hub, "hub");
        Objects.requireNonNull(meters, "meters");
        Objects.requireNonNull(connections, "connections");
    }

    /**
     * A connection of the extension named {@code name} to the node, confined to {@code executor} (an executor of the
     * extension's own, never an event loop of the server), whose publications go to {@code deliveries} on it.
     */
    public ExtensionConnection connect(String name, EventExecutor executor, Consumer<Delivery> deliveries) {
        return connections.open(name, executor, deliveries);
    }
}
