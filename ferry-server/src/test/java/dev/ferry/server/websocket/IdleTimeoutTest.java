package dev.ferry.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.config.WebSocketConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.ManualClock;
import dev.ferry.server.testing.RawWebSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client that completes the handshake and then never answers: it is pinged, then closed with 4002. Raw socket,
 * because a real WebSocket client answers pings by itself.
 */
class IdleTimeoutTest {
    static final Duration PING = Duration.ofSeconds(25);
    static final Duration IDLE = Duration.ofSeconds(60);
    /** The server's time: pings and the idle timeout follow it, and it moves only when a test advances it. */
    static final ManualClock clock = new ManualClock();

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(clock, c -> c.withWebSocket(new WebSocketConfig(
            1 << 20, Duration.ofSeconds(2), PING, IDLE, 100, 4 << 20)));

    /**
     * Sends a ferry.v1 ping and reads frames up to its pong: the server has then taken the connection in (its
     * liveness is ticking) and heard from the client.
     */
    private static void roundTrip(RawWebSocket ws, int id) throws Exception {
        ws.send(true, RawWebSocket.TEXT, ("{\"type\":\"ping\",\"id\":" + id + "}").getBytes(StandardCharsets.UTF_8));
        RawWebSocket.Frame f;
        do {
            f = ws.next();
        } while (!(f.opcode() == RawWebSocket.TEXT && f.text().contains("\"pong\"")));
    }

    @Test
    void silentClientIsPingedThenClosed() throws Exception {
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/v1/ws", "ferry.v1")) {
            roundTrip(ws, 1);
            clock.advance(PING.plusSeconds(5)); // silent for a ping interval: pinged, not closed
            assertThat(ws.next().opcode()).as("a ping, not a close").isEqualTo(RawWebSocket.PING);
            clock.advance(IDLE);
            int pings = 1;
            while (true) {
                RawWebSocket.Frame f = ws.next();
                if (f.opcode() == RawWebSocket.PING) {
                    pings++;
                } else if (f.opcode() == RawWebSocket.CLOSE) {
                    assertThat(f.closeCode()).isEqualTo(4002);
                    assertThat(new String(f.payload(), 2, f.payload().length - 2, StandardCharsets.UTF_8)).isEqualTo("idle timeout");
                    break;
                }
            }
            assertThat(pings).as("pinged every ping interval until the idle timeout").isEqualTo(2);
        }
    }

    /** docs/configuration.md, websocket.idle-timeout: a pong is something arriving, so a client that answers stays. */
    @Test
    void clientAnsweringPingsWithPongsStaysOpen() throws Exception {
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/v1/ws", "ferry.v1")) {
            roundTrip(ws, 1);
            // six pings answered span more than twice the idle timeout
            for (int pings = 0; pings < 6; pings++) {
                clock.advance(PING.plusSeconds(5));
                RawWebSocket.Frame f = ws.next();
                assertThat(f.opcode()).as("a ping, not a close").isEqualTo(RawWebSocket.PING);
                ws.send(true, RawWebSocket.PONG, f.payload());
                roundTrip(ws, 2 + pings); // the pong has arrived before time moves on
            }
        }
    }

    @Test
    void incompleteHandshakeIsCutAtTheDeadline() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(60_000);
            s.getOutputStream().write("GET /v1/ws HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            java.util.concurrent.CompletableFuture<Integer> read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return s.getInputStream().read();
                } catch (java.net.SocketException e) {
                    // a reset: the deadline fell due before the server had read the request's bytes, and a
                    // socket closed with bytes unread answers with a reset; the connection was cut all the same
                    return -1;
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            // the deadline is armed when the server accepts, which the test cannot observe: each step moves the
            // server's time past a whole handshake-timeout (2 s), and the first step after the arming cuts it
            Await.until("the incomplete request cut", () -> {
                clock.advance(Duration.ofSeconds(2));
                return read.isDone();
            });
            assertThat(read.join()).isEqualTo(-1); // closed by the server after handshake-timeout
        }
    }
}
