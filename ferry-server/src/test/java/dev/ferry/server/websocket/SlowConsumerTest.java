package dev.ferry.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.config.WebSocketConfig;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.PacedPublisher;
import dev.ferry.server.testing.RawWebSocket;
import dev.ferry.server.testing.WsTestClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
        // Binary publications: the server takes their payload as a whole, where it would check a text message's
        // bytes one by one as UTF-8, and paranoid leak detection records a stack trace at every byte read: ten times
        // less CPU per message, so that the test takes seconds, not minutes, on a busy machine.
        byte[] pub8k = WsTestClient.binaryFrame("{\"type\":\"pub\",\"topic\":\"firehose\"}", new byte[8000]);
        // The stuck subscriber's side holds its 4 KiB receive window, the server's socket buffer (on loopback
        // the kernel sizes it up to 4 MiB), the channel buffer and the 64 KiB queue: about 400 messages of 8 KB
        // (388 measured). The publisher goes on until 50 messages after the stuck subscriber is closed, and gives
        // up at 2000.
        try (RawWebSocket stuck = RawWebSocket.connect(server.port(), "/v1/ws", "ferry.v1", 4096);
             WsTestClient healthy = WsTestClient.connect(server.wsUri());
             WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            stuck.send(true, RawWebSocket.TEXT,
                    "{\"type\":\"sub\",\"id\":1,\"topic\":\"firehose\"}".getBytes(StandardCharsets.UTF_8));
            assertThat(stuck.nextNotPing().text()).contains("\"result\"");
            healthy.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"firehose\"}");
            healthy.nextJson();
            long before = server.server().metrics().slowConsumerCloses();

            // The healthy subscriber is kept within 16 messages of the publisher, as a reader that keeps up would
            // be however busy the machine, so only the stuck subscriber can overflow its queue.
            PacedPublisher paced = PacedPublisher.start(16, 2000,
                    i -> pub.sendBinary(pub8k),
                    i -> assertThat(WsTestClient.header(healthy.next().binary()).path("offset").asLong()).isEqualTo(i));

            // As soon as the server gives up on the stuck subscriber, read again: the close frame waits behind
            // what the socket already holds, and must arrive before the server's close grace runs out.
            Await.within(Duration.ofSeconds(120),
                    () -> server.server().metrics().slowConsumerCloses() != before || paced.received().isDone());
            assertThat(server.server().metrics().slowConsumerCloses())
                    .as("slow consumer closes (%d published, %d read by the healthy subscriber)", paced.sent(),
                            paced.read())
                    .isEqualTo(before + 1);
            paced.stopAfter(50);
            System.out.printf("stuck subscriber closed after %d publications%n", paced.sent());
            byte[] reason = "slow consumer".getBytes(StandardCharsets.UTF_8);
            ByteBuffer close = ByteBuffer.allocate(4 + reason.length)
                    .put((byte) 0x88).put((byte) (2 + reason.length)).putShort((short) 4001).put(reason);
            assertThat(stuck.readToEnd(close.capacity())).as("the last frame: close 4001").isEqualTo(close.array());

            assertThat(paced.received().get(120, TimeUnit.SECONDS)).isEqualTo(paced.last()); // all, in order
            assertThat(paced.published().get(10, TimeUnit.SECONDS)).isEqualTo(paced.last());
            pub.send("{\"type\":\"ping\",\"id\":1}");
            assertThat(pub.nextJson().path("type").asText()).isEqualTo("pong"); // the publisher was never blocked
            assertThat(server.server().metrics().slowConsumerCloses()).isEqualTo(before + 1);
        }
    }
}
