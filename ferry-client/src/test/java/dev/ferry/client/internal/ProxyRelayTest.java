package dev.ferry.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.proxy.ProxySettings;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The loopback relay tunnels only to the client's own servers. */
class ProxyRelayTest {
    @Test
    void aConnectToAnotherHostIsRefusedWithoutReachingTheProxy() throws Exception {
        AtomicInteger proxyConnections = new AtomicInteger();
        try (ServerSocket proxy = new ServerSocket(0);
             ProxyRelay relay = new ProxyRelay(new ProxySettings("127.0.0.1", proxy.getLocalPort(), "u", "p"),
                     List.of(URI.create("wss://Gw.Example:8443/v1/ws"), URI.create("ws://[::1]/v1/ws")), Duration.ofSeconds(10))) {
            Thread t = new Thread(() -> {
                try (Socket s = proxy.accept()) {
                    proxyConnections.incrementAndGet();
                } catch (java.io.IOException e) {
                    // closed at the end of the test
                }
            });
            t.setDaemon(true);
            t.start();
            InetSocketAddress at = (InetSocketAddress) relay.selector().select(URI.create("https://gw.example:8443")).get(0).address();
            for (String target : new String[] {"evil.example:443", "gw.example:443", "gw.example:8443.evil"}) {
                try (Socket s = new Socket(at.getAddress(), at.getPort())) {
                    s.setSoTimeout(10_000);
                    s.getOutputStream().write(("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    InputStream in = s.getInputStream();
                    assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).as(target).startsWith("HTTP/1.1 403 ");
                }
            }
            assertThat(proxyConnections).hasValue(0);
            assertThat(ProxyRelay.authority(URI.create("wss://Gw.Example:8443/v1/ws"))).isEqualTo("gw.example:8443");
            assertThat(ProxyRelay.authority(URI.create("ws://[::1]/v1/ws"))).isEqualTo("[::1]:80");
            assertThat(Proxy.Type.HTTP).isEqualTo(relay.selector().select(URI.create("http://[::1]/")).get(0).type());
        }
    }
}
