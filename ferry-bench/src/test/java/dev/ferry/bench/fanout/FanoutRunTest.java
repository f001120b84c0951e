package dev.ferry.bench.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.server.FerryServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A tiny fan-out run against an embedded server: correctness of the tool only, never its speed. */
class FanoutRunTest {
    @Test
    @Timeout(120)
    void everyPublicationReachesEverySubscriber() throws Exception {
        // The drain ends as soon as every delivery is in; its bound only matters on a machine too busy to keep up.
        FanoutOptions options = new FanoutOptions(null, 20, 200, 100, Duration.ofSeconds(1), Duration.ZERO,
                "bench.test", 8, 2, 2, 2, Duration.ofSeconds(60));
        ByteArrayOutputStream progress = new ByteArrayOutputStream();

        FanoutResult result = new FanoutRun(options, new PrintStream(progress, true, StandardCharsets.UTF_8)).run();

        assertThat(result.subscribers()).isEqualTo(20);
        assertThat(result.sourceAddresses()).isEqualTo(2);
        assertThat(result.sent()).isEqualTo(200);
        assertThat(result.expected()).isEqualTo(200L * 20);
        assertThat(result.received()).isEqualTo(result.expected());
        assertThat(result.lost()).isZero();
        assertThat(result.errors()).isZero();
        assertThat(result.closes()).isZero();
        assertThat(result.ok()).isTrue();
        // No warmup: every delivery is timed.
        assertThat(result.latency().getTotalCount()).isEqualTo(result.expected());

        String json = result.toJson();
        assertThat(json).startsWith("{\"bench\":\"fanout\",\"ok\":true,").endsWith("}").doesNotContain("\n");
        assertThat(json).contains("\"subscribers\":20", "\"sent\":200", "\"expected\":4000", "\"received\":4000",
                "\"lost\":0", "\"p50_ms\":", "\"p99_ms\":", "\"p999_ms\":", "\"max_ms\":");

        ByteArrayOutputStream report = new ByteArrayOutputStream();
        result.print(new PrintStream(report, true, StandardCharsets.UTF_8));
        assertThat(report.toString(StandardCharsets.UTF_8)).contains("4000 received / 4000 expected (lost 0)",
                "p99.9", "result              OK");
    }

    @Test
    @Timeout(240)
    void subscribersSpreadOverSeveralUrlsAndThePublisherOnItsOwn() throws Exception {
        FerryServer server = FerryServer.builder().host("127.0.0.1").port(0).build();
        server.start();
        try {
            URI url = server.webSocketUri();
            // the same server listed twice: subscribers alternate between the entries, the publisher has its own
            FanoutOptions options = new FanoutOptions(url, 10, 100, 100, Duration.ofSeconds(1), Duration.ZERO,
                    "bench.spread", 4, 1, 1, 0, Duration.ofSeconds(120)); // the drain ends as soon as all arrived
            ByteArrayOutputStream progress = new ByteArrayOutputStream();

            FanoutResult result = new FanoutRun(options, new PrintStream(progress, true, StandardCharsets.UTF_8))
                    .external(List.of(url, url), url).run();

            assertThat(result.received()).isEqualTo(100L * 10);
            assertThat(result.lost()).isZero();
            assertThat(result.ok()).isTrue();
        } finally {
            server.close();
        }
    }

    @Test
    void externalUrlsMustBeLoopbackAndNeedAUrlRun() {
        FanoutOptions embedded = new FanoutOptions(null, 1, 1, 100, Duration.ofSeconds(1), Duration.ZERO,
                "bench.spread", 1, 1, 1, 0, Duration.ofSeconds(1));
        URI local = URI.create("ws://127.0.0.1:1/v1/ws");
        assertThatThrownBy(() -> new FanoutRun(embedded, System.err).external(List.of(local), local))
                .isInstanceOf(IllegalArgumentException.class);
        FanoutOptions remote = new FanoutOptions(local, 1, 1, 100, Duration.ofSeconds(1), Duration.ZERO,
                "bench.spread", 1, 1, 1, 0, Duration.ofSeconds(1));
        assertThatThrownBy(() -> new FanoutRun(remote, System.err).external(List.of(URI.create("ws://10.0.0.1:1/v1/ws")), local))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
