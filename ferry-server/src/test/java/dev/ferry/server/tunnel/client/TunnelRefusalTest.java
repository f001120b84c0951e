package dev.ferry.server.tunnel.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.config.TunnelConfig;
import dev.ferry.server.config.TunnelRoute;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.LogCapture;
import dev.ferry.server.tunnel.Tunnels;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a refused tunnel tells its user: the tunnel client names the route's URL, the status and the gateway's
 * reason; the gateway logs each route with its authentication mode when it starts.
 */
class TunnelRefusalTest {
    @RegisterExtension
    static final FerryServerExtension ferry = new FerryServerExtension(c -> c.withTunnel(c.tunnel().withRoutes(List.of(
            TunnelRoute.of(TunnelRoute.Kind.TCP, "guarded", "127.0.0.1", 1).withAuthRequired(true)))));

    @RegisterExtension
    final LogCapture log = new LogCapture();

    private String refusalLoggedFor(String route) throws IOException {
        URI target = URI.create("ws://127.0.0.1:" + ferry.port() + "/v1/tunnel/" + route);
        try (TunnelClient client = TunnelClient.builder(target).listen(new InetSocketAddress("127.0.0.1", 0)).build()) {
            InetSocketAddress local = client.start();
            try (Socket s = new Socket(local.getAddress(), local.getPort())) {
                s.setSoTimeout(60_000);
                assertThat(s.getInputStream().read()).as("the local connection is closed").isEqualTo(-1);
            }
            String refusal = "refused the tunnel's WebSocket " + target + ": ";
            Await.until("the refusal of " + target + " is logged", Duration.ofSeconds(30),
                    () -> log.first(refusal) != null);
            return log.first(refusal);
        }
    }

    @Test
    void anUnknownRouteNamesTheUrlTheStatusAndTheReason() throws IOException {
        String line = refusalLoggedFor("nope");
        assertThat(line).contains("refused").contains("404 Not Found")
                .contains("no tunnel route named \"nope\"");
    }

    @Test
    void anUnauthenticatedUpgradeKeepsFerrysReason() throws IOException {
        String line = refusalLoggedFor("guarded");
        assertThat(line).contains("401 Unauthorized").contains("unauthorized: ");
    }

    @Test
    void eachRouteIsLoggedWithItsAuthenticationMode() {
        log.clear();
        new Tunnels(TunnelConfig.DEFAULT.withRoutes(List.of(
                TunnelRoute.of(TunnelRoute.Kind.TCP, "rabbit", "127.0.0.1", 5672).withAuthRequired(true),
                TunnelRoute.of(TunnelRoute.Kind.AMQP, "artemis", "127.0.0.1", 5673).withPath("/amqp"))));
        assertThat(log.first("route rabbit at /v1/tunnel/rabbit -> 127.0.0.1:5672: auth required"))
                .contains("tunnel.routes.rabbit.auth: none");
        assertThat(log.first("AMQP route artemis at /amqp -> 127.0.0.1:5673: auth none")).isNotNull();
    }
}
