package dev.ferry.server.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.config.TunnelRoute;
import dev.ferry.server.testing.FerryServerExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A quiet tunnel gets WebSocket pings every {@code tunnel.idle-ping}, seen here on the raw socket. */
class TunnelIdlePingTest {
    static final TcpPeer echo = start();

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c.withTunnel(c.tunnel()
            .withIdlePing(Duration.ofMillis(200))
            .withRoutes(List.of(TunnelRoute.of(TunnelRoute.Kind.TCP, "echo", "127.0.0.1", echo.port())))));

    private static TcpPeer start() {
        try {
            return TcpPeer.echo();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stop() throws IOException {
        echo.close();
    }

    @Test
    void quietTunnelIsPinged() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(60_000);
            // Timed from before the upgrade is sent: the server's pings can only come later than that, however
            // late this thread reads them; timed from reading the 101, a slow read shrinks the measured gap.
            long start = System.nanoTime();
            s.getOutputStream().write(("GET /v1/tunnel/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.read());
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 101");
            for (int i = 0; i < 2; i++) {
                // RFC 6455 section 5.5.2: an unmasked ping from the server, FIN + opcode 0x9, empty payload.
                assertThat(in.read()).isEqualTo(0x89);
                assertThat(in.read()).isEqualTo(0x00);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        }
    }
}
