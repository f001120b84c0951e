package dev.ferry.server.sse;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.config.SseConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.SseTestClient;
import dev.ferry.server.testing.WsTestClient;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
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
        String pad = "x".repeat(8000);
        int messages = 3000; // 24 MB: far beyond socket buffers plus the queue
        long before = server.server().metrics().slowConsumerCloses();
        try (Socket stuck = new Socket();
             SseTestClient healthy = SseTestClient.open(server.http("/v1/sse?topic=hose"));
             WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            stuck.setReceiveBufferSize(4096);
            stuck.connect(server.server().address());
            stuck.getOutputStream().write(("GET /v1/sse?topic=hose HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(healthy.next().type()).isEqualTo("ready");
            java.util.concurrent.atomic.AtomicInteger received = new java.util.concurrent.atomic.AtomicInteger();
            CompletableFuture<Integer> reader = CompletableFuture.supplyAsync(() -> {
                for (int i = 1; i <= messages; i++) {
                    try {
                        SseTestClient.Event e = healthy.next();
                        JsonNode m = JSON.readTree(e.data());
                        assertThat(m.path("offset").asLong()).as("event %d: %s", i, e).isEqualTo(i);
                        received.set(i);
                    } catch (java.io.IOException e) {
                        throw new AssertionError(e);
                    }
                }
                return messages;
            });
            Thread publisher = new Thread(() -> {
                long giveUp = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                for (int i = 1; i <= messages; i++) {
                    // Paced by the healthy reader, however slow the machine: it is never more than 16 events
                    // (128 KB) behind, well inside its queue, while the stuck stream falls behind without bound.
                    while (i - received.get() > 16 && !reader.isDone() && System.nanoTime() < giveUp) {
                        java.util.concurrent.locks.LockSupport.parkNanos(100_000);
                    }
                    pub.send("{\"type\":\"pub\",\"topic\":\"hose\",\"data\":{\"i\":" + i + ",\"pad\":\"" + pad + "\"}}");
                }
            });
            publisher.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (server.server().metrics().slowConsumerCloses() == before && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(server.server().metrics().slowConsumerCloses()).isEqualTo(before + 1);
            // the stream ends: reading what the socket holds reaches the end of the connection
            stuck.setSoTimeout(10_000);
            InputStream in = stuck.getInputStream();
            byte[] buf = new byte[64 * 1024];
            while (in.read(buf) >= 0) {
                // skip
            }
            publisher.join(60_000);
            pub.send("{\"type\":\"ping\",\"id\":1}");
            assertThat(pub.nextJson().path("type").asText()).isEqualTo("pong"); // the publisher was never blocked
            assertThat(reader.get(60, TimeUnit.SECONDS)).isEqualTo(messages); // every message, in order
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
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int status;
        do {
            Thread.sleep(20);
            status = http.send(HttpRequest.newBuilder(server.http("/v1/session/" + id))
                    .POST(HttpRequest.BodyPublishers.ofString("")).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
        } while (status != 404 && System.nanoTime() < deadline);
        assertThat(status).isEqualTo(404);
        assertThat(server.server().metrics().slowConsumerCloses()).isEqualTo(before + 1);
    }
}
