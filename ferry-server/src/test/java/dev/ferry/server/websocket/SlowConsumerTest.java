package dev.ferry.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.config.WebSocketConfig;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.RawWebSocket;
import dev.ferry.server.testing.WsTestClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
        // The stuck subscriber's side holds its 4 KiB receive window, the server's socket buffer (on loopback
        // the kernel sizes it up to 4 MiB), the channel buffer and the 64 KiB queue: about 400 messages of 8 KB
        // (388 measured). The publisher goes on until 50 messages after the stuck subscriber is closed, and gives
        // up at 2000.
        AtomicInteger messages = new AtomicInteger(2000);
        try (RawWebSocket stuck = RawWebSocket.connect(server.port(), "/v1/ws", "ferry.v1", 4096);
             WsTestClient healthy = WsTestClient.connect(server.wsUri());
             WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            stuck.send(true, RawWebSocket.TEXT,
                    "{\"type\":\"sub\",\"id\":1,\"topic\":\"firehose\"}".getBytes(StandardCharsets.UTF_8));
            assertThat(stuck.nextNotPing().text()).contains("\"result\"");
            healthy.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"firehose\"}");
            healthy.nextJson();
            long before = server.server().metrics().slowConsumerCloses();

            // The healthy subscriber is kept within a window of 16 messages of the publisher, as a reader that keeps
            // up would be however busy the machine: the publisher takes a permit per message and the reader gives
            // one back per message read, so only the stuck subscriber can overflow its queue. The publisher never
            // goes on unpaced: when the reader stops, so does it.
            Semaphore window = new Semaphore(16);
            AtomicInteger read = new AtomicInteger();
            AtomicInteger sent = new AtomicInteger();
            CompletableFuture<Integer> reader = new CompletableFuture<>();
            Thread readerThread = new Thread(() -> {
                try {
                    for (int i = 1; i <= messages.get(); i++) {
                        JsonNode m = healthy.nextJson();
                        assertThat(m.path("offset").asLong()).isEqualTo(i);
                        read.set(i);
                        window.release();
                    }
                    reader.complete(messages.get());
                } catch (Throwable t) {
                    reader.completeExceptionally(t);
                }
            }, "healthy-reader");
            CompletableFuture<Integer> published = new CompletableFuture<>();
            Thread publisher = new Thread(() -> {
                try {
                    for (int i = 1; i <= messages.get(); i++) {
                        while (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                            if (reader.isDone()) {
                                published.complete(i - 1); // the reader failed: its error is the one reported
                                return;
                            }
                        }
                        pub.send("{\"type\":\"pub\",\"topic\":\"firehose\",\"data\":{\"i\":" + i + ",\"pad\":\""
                                + pad + "\"}}");
                        sent.set(i);
                    }
                    published.complete(messages.get());
                } catch (Throwable t) {
                    published.completeExceptionally(t);
                }
            }, "publisher");
            readerThread.start();
            publisher.start();

            // As soon as the server gives up on the stuck subscriber, read again: the close frame waits behind
            // what the socket already holds, and must arrive before the server's close grace runs out.
            Await.within(Duration.ofSeconds(120),
                    () -> server.server().metrics().slowConsumerCloses() != before || reader.isDone());
            assertThat(server.server().metrics().slowConsumerCloses())
                    .as("slow consumer closes (%d published, %d read by the healthy subscriber)", sent.get(),
                            read.get())
                    .isEqualTo(before + 1);
            messages.set(sent.get() + 50);
            System.out.printf("stuck subscriber closed after %d publications%n", sent.get());
            byte[] reason = "slow consumer".getBytes(StandardCharsets.UTF_8);
            ByteBuffer close = ByteBuffer.allocate(4 + reason.length)
                    .put((byte) 0x88).put((byte) (2 + reason.length)).putShort((short) 4001).put(reason);
            assertThat(stuck.readToEnd(close.capacity())).as("the last frame: close 4001").isEqualTo(close.array());

            assertThat(reader.get(120, TimeUnit.SECONDS)).isEqualTo(messages.get()); // every message, in order
            assertThat(published.get(10, TimeUnit.SECONDS)).isEqualTo(messages.get());
            pub.send("{\"type\":\"ping\",\"id\":1}");
            assertThat(pub.nextJson().path("type").asText()).isEqualTo("pong"); // the publisher was never blocked
            assertThat(server.server().metrics().slowConsumerCloses()).isEqualTo(before + 1);
        }
    }
}
