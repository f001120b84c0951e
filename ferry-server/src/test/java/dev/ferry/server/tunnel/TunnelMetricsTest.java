package dev.ferry.server.tunnel;

import static dev.ferry.server.testing.Prometheus.value;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.config.TunnelRoute;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.GarbageCollection;
import dev.ferry.server.testing.Prometheus;
import dev.ferry.server.testing.WsTestClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.function.DoublePredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The tunnel routes' meters at {@code /metrics}, read before and after a garbage collection. */
class TunnelMetricsTest {
    static final TcpPeer echo = start();

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c.withTunnel(c.tunnel()
            .withRoutes(List.of(TunnelRoute.of(TunnelRoute.Kind.TCP, "echo", "127.0.0.1", echo.port())))));

    private static final String OPEN = "ferry_tunnel_open{kind=\"tcp\",route=\"echo\"}";
    private static final String ACCEPTED = "ferry_tunnel_accepted_total{kind=\"tcp\",route=\"echo\"}";
    private static final String BYTES_IN = "ferry_tunnel_bytes_total{direction=\"in\",kind=\"tcp\",route=\"echo\"}";
    private static final String BYTES_OUT = "ferry_tunnel_bytes_total{direction=\"out\",kind=\"tcp\",route=\"echo\"}";

    private static TcpPeer start() {
        try {
            return TcpPeer.echo();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stopPeer() throws IOException {
        echo.close();
    }

    private static String scrape() throws Exception {
        return Prometheus.scrape(server.port());
    }

    /**
     * Scrapes until {@code series} satisfies {@code condition} (counters move when a relay's write completes, a
     * moment after the echo arrived), for at most 10 s; returns the value that did.
     */
    private static double awaitValue(String series, DoublePredicate condition) {
        return Await.value(series, Duration.ofSeconds(10), () -> value(scrape(), series), condition::test);
    }

    private static void echoThrough(WsTestClient c, int n) {
        byte[] data = new byte[n];
        java.util.Arrays.fill(data, (byte) 7);
        c.sendBinary(data);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (got.size() < n) {
            got.writeBytes(c.next().binary());
        }
    }

    private URI tunnel() {
        return URI.create("ws://127.0.0.1:" + server.port() + "/v1/tunnel/echo");
    }

    @Test
    void gaugesReadAndCountersAdvanceAfterAGarbageCollection() throws Exception {
        try (WsTestClient first = WsTestClient.connect(tunnel())) {
            echoThrough(first, 1000);
            assertThat(awaitValue(BYTES_OUT, v -> v >= 1000)).isGreaterThanOrEqualTo(1000);
            String before = scrape();
            assertThat(value(before, OPEN)).isEqualTo(1);
            double accepted = value(before, ACCEPTED);
            double in = value(before, BYTES_IN);
            double out = value(before, BYTES_OUT);

            GarbageCollection.collect();

            assertThat(value(scrape(), OPEN)).as("open tunnels after a GC").isEqualTo(1);
            try (WsTestClient second = WsTestClient.connect(tunnel())) {
                echoThrough(second, 500);
                assertThat(awaitValue(BYTES_OUT, v -> v >= out + 500)).as("bytes out after a GC").isGreaterThanOrEqualTo(out + 500);
                String after = scrape();
                assertThat(value(after, OPEN)).isEqualTo(2);
                assertThat(value(after, ACCEPTED)).isEqualTo(accepted + 1);
                assertThat(value(after, BYTES_IN)).isGreaterThanOrEqualTo(in + 500);
            }
        }
    }
}
