package dev.ferry.server.testing;

import dev.ferry.server.FerryServer;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.time.ServerClock;
import java.net.URI;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a real {@link FerryServer} on 127.0.0.1, port 0, for one test class:
 * {@code @RegisterExtension static final FerryServerExtension server = new FerryServerExtension();}
 */
public final class FerryServerExtension implements BeforeAllCallback, AfterAllCallback {
    private final UnaryOperator<FerryConfig> customizer;
    private final ServerClock clock;
    private FerryServer server;

    public FerryServerExtension() {
        this(UnaryOperator.identity());
    }

    /** {@code customizer} adjusts the default configuration before the server starts. */
    public FerryServerExtension(UnaryOperator<FerryConfig> customizer) {
        this(ServerClock.system(), customizer);
    }

    /** A server on {@code clock} (a {@link ManualClock} for tests of what time passing does). */
    public FerryServerExtension(ServerClock clock, UnaryOperator<FerryConfig> customizer) {
        this.clock = clock;
        this.customizer = customizer;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        server = FerryServer.builder().config(customizer.apply(FerryConfig.DEFAULT)).clock(clock).host("127.0.0.1")
                .port(0).build();
        server.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) {
            server.close();
        }
    }

    public FerryServer server() {
        return server;
    }

    public int port() {
        return server.port();
    }

    public URI wsUri() {
        return server.webSocketUri();
    }

    /** An absolute HTTP URI for {@code path} (which starts with /). */
    public URI http(String path) {
        return URI.create(server.httpUri() + path);
    }
}
