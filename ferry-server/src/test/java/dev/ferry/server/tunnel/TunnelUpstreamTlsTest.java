package dev.ferry.server.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.FerryServer;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.TunnelRoute;
import dev.ferry.server.testing.WsTestClient;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A route with {@code tls: true} speaks TLS to its upstream and verifies its certificate and host name against the
 * JVM's trust store (here a trust store holding the upstream's test certificate, named for this test only).
 */
class TunnelUpstreamTlsTest {
    @TempDir
    Path dir;

    @Test
    void bytesCrossTlsToTheUpstreamAfterItsCertificateIsVerified() throws Exception {
        X509Bundle cert = new CertificateBuilder().subject("CN=upstream").addSanIpAddress("127.0.0.1")
                .ecp256().setIsCertificateAuthority(true).buildSelfSigned();
        Path trustStore = dir.resolve("trust.p12");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("upstream", cert.getCertificate());
        try (OutputStream out = Files.newOutputStream(trustStore)) {
            ks.store(out, "changeit".toCharArray());
        }
        SSLContext serverTls = SSLContext.getInstance("TLS");
        serverTls.init(cert.toKeyManagerFactory().getKeyManagers(), null, null);
        String oldStore = System.getProperty("javax.net.ssl.trustStore");
        String oldPassword = System.getProperty("javax.net.ssl.trustStorePassword");
        String oldType = System.getProperty("javax.net.ssl.trustStoreType");
        System.setProperty("javax.net.ssl.trustStore", trustStore.toString());
        System.setProperty("javax.net.ssl.trustStorePassword", "changeit");
        System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
        try (SSLServerSocket upstream = (SSLServerSocket) serverTls.getServerSocketFactory()
                .createServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread echo = new Thread(() -> {
                try (SSLSocket s = (SSLSocket) upstream.accept(); InputStream in = s.getInputStream();
                     OutputStream out = s.getOutputStream()) {
                    byte[] buf = new byte[8192];
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (Exception e) {
                    // the tunnel closed
                }
            }, "tls-echo");
            echo.setDaemon(true);
            echo.start();
            FerryConfig config = FerryConfig.DEFAULT.withTunnel(FerryConfig.DEFAULT.tunnel().withRoutes(List.of(
                    new TunnelRoute(TunnelRoute.Kind.TCP, "secure", null, "127.0.0.1", upstream.getLocalPort(), true, 10))));
            try (FerryServer ferry = FerryServer.builder().config(config).host("127.0.0.1").port(0).build()) {
                ferry.start();
                try (WsTestClient ws = WsTestClient.connect(URI.create("ws://127.0.0.1:" + ferry.port() + "/v1/tunnel/secure"),
                        new String[0])) {
                    byte[] hello = "hello over tls".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    ws.sendBinary(hello);
                    ByteArrayOutputStream got = new ByteArrayOutputStream();
                    while (got.size() < hello.length) {
                        WsTestClient.Received r = ws.next();
                        assertThat(r.binary()).as("echoed bytes, got %s", r).isNotNull();
                        got.writeBytes(r.binary());
                    }
                    assertThat(got.toByteArray()).isEqualTo(hello);
                }
                String metrics = ferry.meterRegistry().scrape();
                assertThat(metrics).contains("ferry_tunnel_accepted_total{kind=\"tcp\",route=\"secure\"} 1.0",
                        "ferry_tunnel_bytes_total{direction=\"in\",kind=\"tcp\",route=\"secure\"}");
            }
        } finally {
            restore("javax.net.ssl.trustStore", oldStore);
            restore("javax.net.ssl.trustStorePassword", oldPassword);
            restore("javax.net.ssl.trustStoreType", oldType);
        }
    }

    @Test
    void anUpstreamWhoseCertificateIsNotTrustedGetsNothing() throws Exception {
        X509Bundle cert = new CertificateBuilder().subject("CN=stranger").addSanIpAddress("127.0.0.1")
                .ecp256().setIsCertificateAuthority(true).buildSelfSigned();
        SSLContext serverTls = SSLContext.getInstance("TLS");
        serverTls.init(cert.toKeyManagerFactory().getKeyManagers(), null, null);
        try (SSLServerSocket upstream = (SSLServerSocket) serverTls.getServerSocketFactory()
                .createServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            java.util.concurrent.atomic.AtomicReference<String> received = new java.util.concurrent.atomic.AtomicReference<>();
            Thread accept = new Thread(() -> {
                try (SSLSocket s = (SSLSocket) upstream.accept()) {
                    byte[] b = s.getInputStream().readNBytes(5);
                    received.set(new String(b, java.nio.charset.StandardCharsets.UTF_8));
                } catch (Exception e) {
                    // the handshake fails: the gateway did not trust us
                }
            }, "tls-stranger");
            accept.setDaemon(true);
            accept.start();
            FerryConfig config = FerryConfig.DEFAULT.withTunnel(FerryConfig.DEFAULT.tunnel().withRoutes(List.of(
                    new TunnelRoute(TunnelRoute.Kind.TCP, "stranger", null, "127.0.0.1", upstream.getLocalPort(), true, 10))));
            try (FerryServer ferry = FerryServer.builder().config(config).host("127.0.0.1").port(0).build()) {
                ferry.start();
                URI route = URI.create("ws://127.0.0.1:" + ferry.port() + "/v1/tunnel/stranger");
                try (WsTestClient ws = WsTestClient.connect(route, new String[0])) {
                    ws.sendBinary("hello".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    assertThat(ws.awaitClose().isClose()).isTrue(); // if the upgrade went through, it ends
                } catch (java.util.concurrent.CompletionException refused) {
                    // refused at the upgrade (502): the upstream could not be verified
                }
                accept.join(10_000);
                assertThat(received.get()).as("bytes reached an unverified upstream").isNull();
            }
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}
