package dev.ferry.server.sse;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.config.SseConfig;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.PacedPublisher;
import dev.ferry.server.testing.SseTestClient;
import dev.ferry.server.testing.WsTestClient;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An event stream that stops reading is ended as a slow consumer; the publisher and the other streams carry on.
 * A fallback session whose events pile up with no stream attached is closed the same way.
 */
class SseSlowConsumerTest {
    static final int QUEUE = 256 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c
            .withSse(new SseConfig(Duration.ofSeconds(15), 32, QUEUE, Duration.ofSeconds(30))));

    @Test
    void stuckStreamIsEndedAndOthersReceiveEverything() throws Exception {
        // Binary publications, as in SlowConsumerTest: ten times less CPU per message than text.
        byte[] pub8k = WsTestClient.binaryFrame("{\"type\":\"pub\",\"topic\":\"hose\"}", new byte[8000]);
        // The stuck stream's side holds its 4 KiB receive window, the server's socket buffer (on loopback
        // the kernel sizes it up to 4 MiB), the channel buffer and the 256 KiB queue: about 300 events of 11 KB
        // (8,000 bytes in base64; 291 measured). The publisher goes on until 50 messages after the stuck stream
        // is closed, and gives up at 2000.
        long before = server.server().metrics().slowConsumerCloses();
        try (Socket stuck = new Socket();
             SseTestClient healthy = SseTestClient.open(server.http("/v1/sse?topic=hose"));
             WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            stuck.setReceiveBufferSize(4096);
            stuck.connect(server.server().address());
            stuck.getOutputStream().write(("GET /v1/sse?topic=hose HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(healthy.next().type()).isEqualTo("ready");
            // Paced by the healthy reader, however slow the machine: never more than 16 events (170 KB) behind,
            // well inside its queue, while the stuck stream falls behind without bound.
            PacedPublisher paced = PacedPublisher.start(16, 2000,
                    i -> pub.sendBinary(pub8k),
                    i -> {
                        SseTestClient.Event e = healthy.next();
                        assertThat(JSON.readTree(e.data()).path("offset").asLong()).as("event %d: %s", i, e)
                                .isEqualTo(i);
                    });
            Await.within(Duration.ofSeconds(120),
                    () -> server.server().metrics().slowConsumerCloses() != before || paced.received().isDone());
            assertThat(server.server().metrics().slowConsumerCloses())
                    .as("slow consumer closes (%d published, %d read by the healthy stream)", paced.sent(),
                            paced.read())
                    .isEqualTo(before + 1);
            paced.stopAfter(50);
            System.out.printf("stuck stream ended after %d publications%n", paced.sent());
            // the stream ends: reading what the socket holds reaches the end of the connection
            stuck.setSoTimeout(60_000);
            InputStream in = stuck.getInputStream();
            byte[] buf = new byte[64 * 1024];
            while (in.read(buf) >= 0) {
                // skip
            }
            assertThat(paced.received().get(120, TimeUnit.SECONDS)).isEqualTo(paced.last()); // all, in order
            assertThat(paced.published().get(10, TimeUnit.SECONDS)).isEqualTo(paced.last());
            pub.send("{\"type\":\"ping\",\"id\":1}");
            assertThat(pub.nextJson().path("type").asText()).isEqualTo("pong"); // the publisher was never blocked
            assertThat(server.server().metrics().slowConsumerCloses()).isEqualTo(before + 1);
        }
    }

    @Test
    void fallbackSessionWhoseEventsPileUpIsClosed() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(server.http("/v1/session"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        String id = JSON.readTree(created.body()).path("session").asText();
        http.send(HttpRequest.newBuilder(server.http("/v1/session/" + id))
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"sub\",\"id\":1,\"topic\":\"pile\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        long before = server.server().metrics().slowConsumerCloses();
        try (WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            String pad = "y".repeat(4000);
            for (int i = 0; i < 100; i++) { // 400 KB with no stream attached: past the 256 KiB bound
                pub.send("{\"type\":\"pub\",\"topic\":\"pile\",\"data\":\"" + pad + "\"}");
            }
            pub.send("{\"type\":\"ping\",\"id\":1}");
            pub.nextJson();
        }
        // The session is closed on its event loop once the last publication is queued there.
        int status = Await.value("the session is closed", Duration.ofSeconds(30),
                () -> http.send(HttpRequest.newBuilder(server.http("/v1/session/" + id))
                        .POST(HttpRequest.BodyPublishers.ofString("")).build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode(),
                s -> s == 404);
        assertThat(status).isEqualTo(404);
        assertThat(server.server().metrics().slowConsumerCloses()).isEqualTo(before + 1);
    }
}
