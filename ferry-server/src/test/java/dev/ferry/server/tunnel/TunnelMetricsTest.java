package dev.ferry.server.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.config.TunnelRoute;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.GarbageCollection;
import dev.ferry.server.testing.WsTestClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.DoublePredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.http("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    private static double value(String body, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(body);
        assertThat(m.find()).as(series + " in\n" + body).isTrue();
        return Double.parseDouble(m.group(1));
    }

    /**
     * Scrapes until {@code series} satisfies {@code condition} (counters move when a relay's write completes, a
     * moment after the echo arrived), pausing 10 ms between scrapes, for at most 10 s; returns the last value.
     */
    private static double awaitValue(String series, DoublePredicate condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        double v = value(scrape(), series);
        while (!condition.test(v) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            v = value(scrape(), series);
        }
        return v;
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
