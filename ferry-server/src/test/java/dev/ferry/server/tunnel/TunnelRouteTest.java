package dev.ferry.server.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.config.TunnelRoute;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Tunnel routes end to end with the JDK's WebSocket client and a plain TCP upstream: relaying, rules, refusals. */
class TunnelRouteTest {
    static final TcpPeer echo = start(true);
    static final TcpPeer manual = start(false);
    static final int deadPort = freePort();

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c.withTunnel(c.tunnel()
            .withMaxFrameBytes(64 * 1024)
            .withRoutes(List.of(
                    TunnelRoute.of(TunnelRoute.Kind.AMQP, "echo", "127.0.0.1", echo.port()).withPath("/amqp"),
                    TunnelRoute.of(TunnelRoute.Kind.TCP, "echo", "127.0.0.1", echo.port()),
                    TunnelRoute.of(TunnelRoute.Kind.TCP, "one", "127.0.0.1", manual.port()).withMaxConnections(1),
                    TunnelRoute.of(TunnelRoute.Kind.TCP, "dead", "127.0.0.1", deadPort)))));

    private static TcpPeer start(boolean isEcho) {
        try {
            return isEcho ? TcpPeer.echo() : TcpPeer.manual();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stopPeers() throws IOException {
        echo.close();
        manual.close();
    }

    private URI ws(String path) {
        return URI.create("ws://127.0.0.1:" + server.port() + path);
    }

    private static byte[] receive(WsTestClient c, int total) {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (got.size() < total) {
            WsTestClient.Received r = c.next();
            assertThat(r.binary()).as("expected binary data, got %s", r).isNotNull();
            assertThat(r.binary().length).as("a message of the gateway").isLessThanOrEqualTo(Relay.MAX_MESSAGE);
            got.writeBytes(r.binary());
        }
        return got.toByteArray();
    }

    @Test
    void tcpRouteCarriesBytesBothWaysWithoutReframing() {
        byte[] data = new byte[300_000];
        new Random(1).nextBytes(data);
        try (WsTestClient c = WsTestClient.connect(ws("/v1/tunnel/echo"))) {
            assertThat(c.webSocket().getSubprotocol()).isEmpty();
            // Messages of odd sizes (each within the 64 KiB frame limit), the second sent as two fragments.
            c.sendBinary(java.util.Arrays.copyOfRange(data, 0, 1));
            c.webSocket().sendBinary(java.nio.ByteBuffer.wrap(data, 1, 50_000), false).join();
            c.webSocket().sendBinary(java.nio.ByteBuffer.wrap(data, 50_001, 10_000), true).join();
            for (int off = 60_001; off < data.length; off += 60_000) {
                c.sendBinary(java.util.Arrays.copyOfRange(data, off, Math.min(data.length, off + 60_000)));
            }
            assertThat(receive(c, data.length)).isEqualTo(data);
        }
        // The counters move when writes complete, which may be a moment after the echo arrived.
        TunnelStats s = Await.value("the tunnel counters reach the bytes echoed", Await.DEFAULT,
                () -> stats("echo", "/v1/tunnel/echo"),
                t -> t.bytesFromWebSocket() >= data.length && t.bytesToWebSocket() >= data.length);
        assertThat(s.bytesFromWebSocket()).isGreaterThanOrEqualTo(data.length);
        assertThat(s.bytesToWebSocket()).isGreaterThanOrEqualTo(data.length);
        assertThat(s.accepted()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void tcpRouteEchoesBinarySubprotocolWhenOffered() {
        try (WsTestClient c = WsTestClient.connect(ws("/v1/tunnel/echo"), "binary")) {
            assertThat(c.webSocket().getSubprotocol()).isEqualTo("binary");
        }
    }

    @Test
    void amqpRouteEchoesExactlyTheChosenToken() {
        try (WsTestClient c = WsTestClient.connect(ws("/amqp"), "amqp")) {
            assertThat(c.webSocket().getSubprotocol()).isEqualTo("amqp");
            c.sendBinary("AMQP\0\1\0\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            assertThat(receive(c, 8)).isEqualTo("AMQP\0\1\0\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        try (WsTestClient c = WsTestClient.connect(ws("/amqp"), "AMQPWSB10")) {
            assertThat(c.webSocket().getSubprotocol()).isEqualTo("AMQPWSB10");
        }
        try (WsTestClient c = WsTestClient.connect(ws("/amqp"), "mqtt", "AMQPWSB10", "amqp")) {
            assertThat(c.webSocket().getSubprotocol()).isEqualTo("AMQPWSB10");
        }
    }

    @Test
    void refusals() throws Exception {
        RawUpgrade r = RawUpgrade.send(server.port(), "GET", "/amqp", null);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("missing WebSocket subprotocol (expected: amqp");
        r = RawUpgrade.send(server.port(), "GET", "/amqp", "mqtt, AMQP");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("unsupported WebSocket subprotocol \"mqtt, AMQP\" (expected: amqp or AMQPWSB10)");
        r = RawUpgrade.send(server.port(), "POST", "/amqp", "amqp");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("must use GET");
        r = RawUpgrade.send(server.port(), "GET", "/v1/tunnel/nope", null);
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.body()).contains("no tunnel route named \"nope\"");
        r = RawUpgrade.send(server.port(), "GET", "/amqp/nope", "amqp");
        assertThat(r.status()).isEqualTo(404);
        r = RawUpgrade.send(server.port(), "GET", "/v1/tunnel/dead", null);
        assertThat(r.status()).isEqualTo(502);
        assertThat(r.body()).contains("the upstream of route dead is unreachable").doesNotContain(String.valueOf(deadPort));
        r = RawUpgrade.send(server.port(), "GET", "/amqp", "amqp");
        assertThat(r.status()).isEqualTo(101);
        assertThat(r.head()).contains("sec-websocket-protocol: amqp\r\n");
    }

    @Test
    void connectionLimitRefusesWith503UntilASlotFrees() throws Exception {
        WsTestClient first = WsTestClient.connect(ws("/v1/tunnel/one"));
        Socket upstream = manual.nextAccepted();
        RawUpgrade r = RawUpgrade.send(server.port(), "GET", "/v1/tunnel/one", null);
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.body()).contains("route one is full: 1 tunnels open (max-connections)");
        assertThat(stats("one", "/v1/tunnel/one").refused()).isEqualTo(1);
        first.close();
        // The upstream sees the end of the stream once the WebSocket is gone.
        upstream.setSoTimeout(60_000);
        assertThat(upstream.getInputStream().read()).isEqualTo(-1);
        upstream.close();
        Await.until("the tunnel is counted closed", () -> stats("one", "/v1/tunnel/one").open() == 0);
        try (WsTestClient again = WsTestClient.connect(ws("/v1/tunnel/one"))) {
            manual.nextAccepted().close();
            assertThat(again.awaitClose().closeCode()).isEqualTo(1000);
        }
    }

    @Test
    void upstreamCloseClosesTheWebSocketAfterTheLastBytes() throws Exception {
        try (WsTestClient c = WsTestClient.connect(ws("/v1/tunnel/one"))) {
            Socket upstream = manual.nextAccepted();
            upstream.getOutputStream().write("last words".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            upstream.close();
            assertThat(new String(receive(c, 10), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("last words");
            assertThat(c.awaitClose().closeCode()).isEqualTo(1000);
        }
    }

    @Test
    void textFrameIsAProtocolError() throws Exception {
        try (WsTestClient c = WsTestClient.connect(ws("/v1/tunnel/one"))) {
            Socket upstream = manual.nextAccepted();
            c.send("hello");
            WsTestClient.Received close = c.awaitClose();
            assertThat(close.closeCode()).isEqualTo(1003);
            assertThat(close.closeReason()).contains("text frames are not allowed");
            upstream.setSoTimeout(60_000);
            InputStream in = upstream.getInputStream();
            assertThat(in.read()).isEqualTo(-1);
            upstream.close();
        }
    }

    @Test
    void frameLargerThanTheLimitCloses1009() throws Exception {
        try (WsTestClient c = WsTestClient.connect(ws("/v1/tunnel/one"))) {
            Socket upstream = manual.nextAccepted();
            c.webSocket().sendBinary(java.nio.ByteBuffer.allocate(64 * 1024 + 1), true);
            assertThat(c.awaitClose().closeCode()).isEqualTo(1009);
            upstream.close();
        }
    }

    private static TunnelStats stats(String route, String path) {
        return server.server().tunnelStats().stream()
                .filter(s -> s.route().equals(route) && s.path().equals(path))
                .findFirst().orElseThrow();
    }
}
