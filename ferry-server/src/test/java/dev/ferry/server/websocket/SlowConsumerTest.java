package dev.ferry.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.config.WebSocketConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A subscriber that stops reading is closed with 4001; the publisher and the other subscribers carry on. */
class SlowConsumerTest {
    static final int QUEUE = 64 * 1024;

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c.withWebSocket(new WebSocketConfig(
            16 * 1024, Duration.ofSeconds(10), Duration.ofSeconds(25), Duration.ofSeconds(60), 100, QUEUE)));

    @Test
    void stuckSubscriberIsClosedAndOthersReceiveEverything() throws Exception {
        String pad = "x".repeat(8000);
        int messages = 4000; // 32 MB: far beyond socket buffers plus the 64 KiB queue
        try (WsTestClient stuck = WsTestClient.connect(server.wsUri());
             WsTestClient healthy = WsTestClient.connect(server.wsUri());
             WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            stuck.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"firehose\"}");
            stuck.nextJson();
            healthy.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"firehose\"}");
            healthy.nextJson();
            stuck.stopReading();
            long before = server.server().metrics().slowConsumerCloses();

            CompletableFuture<Integer> reader = new CompletableFuture<>();
            java.util.concurrent.atomic.AtomicInteger read = new java.util.concurrent.atomic.AtomicInteger();
            Thread readerThread = new Thread(() -> {
                try {
                    for (int i = 1; i <= messages; i++) {
                        JsonNode m = healthy.nextJson();
                        assertThat(m.path("offset").asLong()).isEqualTo(i);
                        read.set(i);
                    }
                    reader.complete(messages);
                } catch (Throwable t) {
                    reader.completeExceptionally(t);
                }
            });
            // The healthy subscriber is kept within a window of the publisher (as a reader that keeps up would be,
            // however busy the machine), so only the stuck one can overflow its queue.
            Thread publisher = new Thread(() -> {
                for (int i = 1; i <= messages; i++) {
                    pub.send("{\"type\":\"pub\",\"topic\":\"firehose\",\"data\":{\"i\":" + i + ",\"pad\":\"" + pad + "\"}}");
                    long windowDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (read.get() < i - 16 && System.nanoTime() < windowDeadline && !reader.isDone()) {
                        Thread.onSpinWait();
                    }
                }
            });
            readerThread.start();
            publisher.start();

            // As soon as the server gives up on the stuck subscriber, read again: the close frame waits behind
            // what the socket already holds, and must arrive before the server's close grace runs out.
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (server.server().metrics().slowConsumerCloses() == before && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(server.server().metrics().slowConsumerCloses()).isEqualTo(before + 1);
            stuck.resumeReading();
            WsTestClient.Received close = stuck.awaitClose();
            assertThat(close.closeCode()).isEqualTo(4001);
            assertThat(close.closeReason()).isEqualTo("slow consumer");

            publisher.join(60_000);
            pub.send("{\"type\":\"ping\",\"id\":1}");
            assertThat(pub.nextJson().path("type").asText()).isEqualTo("pong"); // the publisher was never blocked
            assertThat(reader.get(60, TimeUnit.SECONDS)).isEqualTo(messages); // every message, in order
            assertThat(server.server().metrics().slowConsumerCloses()).isEqualTo(before + 1);
        }
    }
}
