package dev.ferry.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.config.WebSocketConfig;
import dev.ferry.server.testing.FerryServerExtension;
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
    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c.withWebSocket(new WebSocketConfig(
            1 << 20, Duration.ofSeconds(2), Duration.ofMillis(200), Duration.ofMillis(500), 100, 4 << 20)));

    @Test
    void silentClientIsPingedThenClosed() throws Exception {
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/v1/ws", "ferry.v1")) {
            int pings = 0;
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
            assertThat(pings).isGreaterThanOrEqualTo(1);
        }
    }

    /** docs/configuration.md, websocket.idle-timeout: a pong is something arriving, so a client that answers stays. */
    @Test
    void clientAnsweringPingsWithPongsStaysOpen() throws Exception {
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/v1/ws", "ferry.v1")) {
            // ping every 200 ms, idle timeout 500 ms: six pings answered span more than twice the timeout
            for (int pings = 0; pings < 6; pings++) {
                RawWebSocket.Frame f = ws.next();
                assertThat(f.opcode()).as("a ping, not a close").isEqualTo(RawWebSocket.PING);
                ws.send(true, RawWebSocket.PONG, f.payload());
            }
        }
    }

    @Test
    void incompleteHandshakeIsCutAtTheDeadline() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(60_000);
            s.getOutputStream().write("GET /v1/ws HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(s.getInputStream().read()).isEqualTo(-1); // closed by the server after handshake-timeout (2 s)
        }
    }
}
