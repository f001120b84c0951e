package dev.ferry.server.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.server.FerryServer;
import dev.ferry.server.config.ConfigException;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.TlsConfig;
import dev.ferry.server.testing.WsTestClient;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS on the one port, with certificates generated at test time. */
class TlsTest {
    @TempDir
    Path dir;

    private static X509Bundle certificate(String cn) throws Exception {
        return new CertificateBuilder().subject("CN=" + cn).addSanIpAddress("127.0.0.1").addSanDnsName("localhost")
                .ecp256().setIsCertificateAuthority(true).buildSelfSigned();
    }

    private void write(X509Bundle b, Path cert, Path key) throws Exception {
        Files.writeString(cert, b.getCertificatePathPEM());
        Files.writeString(key, b.getPrivateKeyPEM());
    }

    private static SSLContext trusting(X509Bundle... bundles) throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        for (int i = 0; i < bundles.length; i++) {
            ks.setCertificateEntry("c" + i, bundles[i].getCertificate());
        }
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private FerryServer start(Path cert, Path key, Duration reload) {
        FerryServer s = FerryServer.builder()
                .config(FerryConfig.DEFAULT.withTls(new TlsConfig(cert, key, true, reload)))
                .host("127.0.0.1").port(0).build();
        s.start();
        return s;
    }

    @Test
    void httpsAndWssOnTheOnePort() throws Exception {
        X509Bundle b = certificate("ferry-test");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        write(b, cert, key);
        try (FerryServer server = start(cert, key, Duration.ofMinutes(1))) {
            assertThat(server.webSocketUri().getScheme()).isEqualTo("wss");
            HttpClient http = HttpClient.newBuilder().sslContext(trusting(b)).build();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.httpUri().resolve("/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            try (WsTestClient ws = WsTestClient.connect(http, server.webSocketUri())) {
                ws.send("{\"type\":\"ping\",\"id\":1}");
                assertThat(ws.nextJson().path("type").asText()).isEqualTo("pong");
            }
        }
    }

    @Test
    void plainHttpOnTheTlsPortIsRedirected() throws Exception {
        X509Bundle b = certificate("ferry-test");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        write(b, cert, key);
        try (FerryServer server = start(cert, key, Duration.ofMinutes(1));
             Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /v1/history/x?limit=1 HTTP/1.1\r\nHost: example.test:" + server.port() + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(response).startsWith("HTTP/1.1 308 Permanent Redirect")
                    .contains("location: https://example.test:" + server.port() + "/v1/history/x?limit=1");
        }
    }

    @Test
    void aChangedCertificateIsServedWithoutRestart() throws Exception {
        X509Bundle first = certificate("first");
        X509Bundle second = certificate("second");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        write(first, cert, key);
        try (FerryServer server = start(cert, key, Duration.ofMillis(100))) {
            assertThat(servedSerial(server.port())).isEqualTo(first.getCertificate().getSerialNumber());
            write(second, cert, key);
            FileTime later = FileTime.from(Instant.now().plusSeconds(5));
            Files.setLastModifiedTime(cert, later);
            Files.setLastModifiedTime(key, later);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            BigInteger served = servedSerial(server.port());
            while (!served.equals(second.getCertificate().getSerialNumber()) && System.nanoTime() < deadline) {
                served = servedSerial(server.port());
            }
            assertThat(served).isEqualTo(second.getCertificate().getSerialNumber());
        }
    }

    @Test
    void unreadableFilesStopTheStartWithTheKeyNamed() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Files.writeString(cert, "not a certificate");
        Files.writeString(key, "not a key");
        assertThatThrownBy(() -> start(cert, key, Duration.ofMinutes(1)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tls.cert/tls.key: cannot load");
        assertThatThrownBy(() -> new TlsConfig(cert, null, true, Duration.ofMinutes(1)))
                .hasMessageContaining("tls.key: missing");
    }

    @Test
    void aKeyThatDoesNotBelongToTheCertificateIsRefusedAtStartAndAtReload() throws Exception {
        X509Bundle first = certificate("first");
        X509Bundle second = certificate("second");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Files.writeString(cert, first.getCertificatePathPEM());
        Files.writeString(key, second.getPrivateKeyPEM());
        assertThatThrownBy(() -> start(cert, key, Duration.ofMinutes(1))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("the private key does not belong to the first certificate");

        write(first, cert, key);
        TlsContext tls = new TlsContext(new TlsConfig(cert, key, true, Duration.ofMinutes(1)));
        // The certificate replaced, the key not yet: the files caught between two writes.
        Files.writeString(cert, second.getCertificatePathPEM());
        Files.setLastModifiedTime(cert, FileTime.from(Instant.now().plusSeconds(5)));
        io.netty.handler.ssl.SslContext before = tls.get();
        assertThat(tls.reloadIfChanged()).isFalse();
        assertThat(tls.get()).as("the current pair kept").isSameAs(before);
        Files.writeString(key, second.getPrivateKeyPEM());
        Files.setLastModifiedTime(key, FileTime.from(Instant.now().plusSeconds(5)));
        assertThat(tls.reloadIfChanged()).as("the pair complete").isTrue();
    }

    /** The serial number of the certificate the server presents in a fresh handshake. */
    private static BigInteger servedSerial(int port) throws Exception {
        try (SSLSocket s = (SSLSocket) TlsSockets.trustAll().getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(60_000);
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }
}
