package dev.ferry.server.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.config.TunnelRoute;
import dev.ferry.server.testing.FerryServerExtension;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client that floods pings and reads nothing (RFC 6455 §5.5.3 lets the server skip pongs): the server answers only
 * while the connection is writable, so the pongs waiting for such a client stay bounded, on a tunnel and on a
 * WebSocket endpoint alike; the connection then closes normally.
 */
class PingFloodTest {
    static final TcpPeer echo = start();
    static final int PINGS = 400_000;

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c.withTunnel(c.tunnel()
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
    void aTunnelAnswersNoMorePingsThanItsPeerReads() throws Exception {
        assertThat(pongsAfterFlood("/v1/tunnel/echo", "")).isLessThan(PINGS / 2);
    }

    @Test
    void aWampSocketAnswersNoMorePingsThanItsPeerReads() throws Exception {
        assertThat(pongsAfterFlood("/v1/wamp", "Sec-WebSocket-Protocol: wamp.2.json\r\n")).isLessThan(PINGS / 2);
    }

    /** Sends {@link #PINGS} pings of 125 bytes without reading, then a close; counts the pongs read up to the close. */
    private static long pongsAfterFlood(String path, String extraHeaders) throws IOException {
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(4096);
            s.connect(new InetSocketAddress("127.0.0.1", server.port()));
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + extraHeaders + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = new BufferedInputStream(s.getInputStream(), 1 << 16);
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.read());
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 101");
            // masked ping, mask key 0 (the payload goes as it is)
            byte[] ping = new byte[2 + 4 + 125];
            ping[0] = (byte) 0x89;
            ping[1] = (byte) (0x80 | 125);
            byte[] batch = new byte[ping.length * 1000];
            for (int i = 0; i < 1000; i++) {
                System.arraycopy(ping, 0, batch, i * ping.length, ping.length);
            }
            for (int sent = 0; sent < PINGS; sent += 1000) {
                out.write(batch);
            }
            out.write(new byte[] {(byte) 0x88, (byte) 0x82, 0, 0, 0, 0, 0x03, (byte) 0xe8});
            out.flush();
            long pongs = 0;
            while (true) {
                int b0 = in.read();
                if (b0 < 0 || b0 == 0x88) {
                    return pongs;
                }
                int len = in.read() & 0x7f;
                if (len == 126) {
                    len = (in.read() << 8) | in.read();
                }
                assertThat(len).isLessThan(126); // only control frames come back
                in.skipNBytes(len);
                if (b0 == 0x8a) {
                    pongs++;
                }
            }
        }
    }
}
