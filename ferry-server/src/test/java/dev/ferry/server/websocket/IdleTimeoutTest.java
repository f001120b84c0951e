package dev.ferry.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.config.WebSocketConfig;
import dev.ferry.server.testing.FerryServerExtension;
import java.io.DataInputStream;
import java.io.OutputStream;
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

    /** Upgrades {@code s} to a ferry.v1 WebSocket by hand; returns its input, positioned after the 101 response. */
    private static DataInputStream upgrade(Socket s) throws java.io.IOException {
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        out.write(("GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Protocol: ferry.v1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        DataInputStream in = new DataInputStream(s.getInputStream());
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) in.readUnsignedByte());
        }
        assertThat(head.toString()).startsWith("HTTP/1.1 101").contains("ferry.v1");
        return in;
    }

    @Test
    void silentClientIsPingedThenClosed() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            DataInputStream in = upgrade(s);
            int pings = 0;
            while (true) {
                int b0 = in.readUnsignedByte();
                int len = in.readUnsignedByte() & 0x7f; // server frames are unmasked; control frames are short
                byte[] payload = in.readNBytes(len);
                int opcode = b0 & 0x0f;
                if (opcode == 0x9) {
                    pings++;
                } else if (opcode == 0x8) {
                    int code = ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
                    assertThat(code).isEqualTo(4002);
                    assertThat(new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8)).isEqualTo("idle timeout");
                    break;
                }
            }
            assertThat(pings).isGreaterThanOrEqualTo(1);
        }
    }

    /** docs/configuration.md, websocket.idle-timeout: a pong is something arriving, so a client that answers stays. */
    @Test
    void clientAnsweringPingsWithPongsStaysOpen() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            DataInputStream in = upgrade(s);
            OutputStream out = s.getOutputStream();
            // ping every 200 ms, idle timeout 500 ms: six pings answered span more than twice the timeout
            for (int pings = 0; pings < 6; ) {
                int b0 = in.readUnsignedByte();
                int len = in.readUnsignedByte() & 0x7f;
                byte[] payload = in.readNBytes(len);
                int opcode = b0 & 0x0f;
                assertThat(opcode).as("a ping, not a close").isEqualTo(0x9);
                pings++;
                byte[] pong = new byte[6 + payload.length];
                pong[0] = (byte) 0x8A; // FIN + pong
                pong[1] = (byte) (0x80 | payload.length); // masked, as client frames must be (RFC 6455 §5.3)
                byte[] mask = {1, 2, 3, 4};
                System.arraycopy(mask, 0, pong, 2, 4);
                for (int i = 0; i < payload.length; i++) {
                    pong[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
                }
                out.write(pong);
                out.flush();
            }
        }
    }

    @Test
    void incompleteHandshakeIsCutAtTheDeadline() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /v1/ws HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(s.getInputStream().read()).isEqualTo(-1); // closed by the server after handshake-timeout (2 s)
        }
    }
}
