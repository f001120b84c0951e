package dev.ferry.server.tunnel.client;

import dev.ferry.protocol.proxy.ProxySettings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.config.TunnelRoute;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.tunnel.Relay;
import dev.ferry.server.tunnel.TcpPeer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The tunnel client's local listener → Ferry → a TCP echo upstream, directly and through CONNECT proxies. */
class TunnelClientTest {
    static final TcpPeer echo = start();

    @RegisterExtension
    static final FerryServerExtension ferry = new FerryServerExtension(c -> c.withTunnel(c.tunnel()
            .withMaxFrameBytes(Relay.MAX_MESSAGE) // reads of up to 256 KiB still go as messages of at most 64 KiB
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

    private static URI route(String name) {
        return URI.create("ws://127.0.0.1:" + ferry.port() + "/v1/tunnel/" + name);
    }

    /** Writes {@code size} random bytes on a local connection and checks that the echo brings them back. */
    private static void roundTrip(InetSocketAddress local, int size, long seed) throws IOException {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        try (Socket s = new Socket(local.getAddress(), local.getPort())) {
            s.setSoTimeout(60_000);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    s.getOutputStream().write(data);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            InputStream in = s.getInputStream();
            assertThat(in.readNBytes(size)).isEqualTo(data);
            writer.join();
        }
    }

    @Test
    void eachLocalConnectionGetsItsOwnWebSocket() throws Exception {
        try (TunnelClient client = TunnelClient.builder(route("echo")).maxFrameBytes(Relay.MAX_MESSAGE).build()) {
            InetSocketAddress local = client.start();
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                long seed = i;
                all.add(CompletableFuture.runAsync(() -> {
                    try {
                        roundTrip(local, 1 << 20, seed);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
            assertThat(client.stats().accepted()).isEqualTo(4);
            assertThat(client.stats().bytesToWebSocket()).isEqualTo(4L << 20);
        }
    }

    @Test
    void throughAProxyThatDemandsBasicAndClosesAfterItsChallenge() throws Exception {
        try (ConnectProxy proxy = new ConnectProxy(ConnectProxy.Scheme.BASIC, "alice", "s3cret:x");
             TunnelClient client = TunnelClient.builder(route("echo"))
                     .proxy(ProxySettings.parse(proxy.url()).withCredentials("alice", "s3cret:x"))
                     .header("Authorization", "Bearer token-123")
                     .build()) {
            InetSocketAddress local = client.start();
            roundTrip(local, 200_000, 7);
            assertThat(proxy.challenges.get()).isEqualTo(1);
            assertThat(proxy.tunnels.get()).isEqualTo(1);
            assertThat(proxy.firstTunnelBytes.toString()).startsWith("GET /v1/tunnel/echo HTTP/1.1")
                    .containsIgnoringCase("authorization: Bearer token-123");
        }
    }

    @Test
    void throughAProxyThatDemandsDigestOnTheSameConnection() throws Exception {
        try (ConnectProxy proxy = new ConnectProxy(ConnectProxy.Scheme.DIGEST, "bob", "pa\"ss");
             TunnelClient client = TunnelClient.builder(route("echo"))
                     .proxy(ProxySettings.parse("http://bob:pa%22ss@" + proxy.url().substring(7)))
                     .build()) {
            InetSocketAddress local = client.start();
            roundTrip(local, 200_000, 8);
            assertThat(proxy.challenges.get()).isEqualTo(1);
            assertThat(proxy.tunnels.get()).isEqualTo(1);
        }
    }

    @Test
    void wrongProxyPasswordClosesTheLocalConnection() throws Exception {
        try (ConnectProxy proxy = new ConnectProxy(ConnectProxy.Scheme.DIGEST, "bob", "right");
             TunnelClient client = TunnelClient.builder(route("echo"))
                     .proxy(ProxySettings.parse(proxy.url()).withCredentials("bob", "wrong"))
                     .build()) {
            assertLocalConnectionCloses(client.start());
            assertThat(proxy.tunnels.get()).isZero();
        }
    }

    @Test
    void gatewayRefusalClosesTheLocalConnection() throws Exception {
        try (TunnelClient client = TunnelClient.builder(route("nope")).build()) {
            assertLocalConnectionCloses(client.start());
        }
    }

    private static void assertLocalConnectionCloses(InetSocketAddress local) throws IOException {
        try (Socket s = new Socket(local.getAddress(), local.getPort())) {
            s.setSoTimeout(60_000);
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
    }
}
