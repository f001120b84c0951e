package dev.ferry.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.FerryServer;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.TlsConfig;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tls.hsts.*}: the Strict-Transport-Security header on responses over TLS, and nowhere else. */
class StrictTransportSecurityTest {
    private static final String UPGRADE = "GET /v1/ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Protocol: ferry.v1\r\n\r\n";

    @TempDir
    static Path dir;

    static FerryServer withHsts;
    static FerryServer withoutHsts;

    @BeforeAll
    static void start() throws Exception {
        X509Bundle b = new CertificateBuilder().subject("CN=localhost").addSanIpAddress("127.0.0.1").ecp256()
                .setIsCertificateAuthority(true).buildSelfSigned();
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Files.writeString(cert, b.getCertificatePathPEM());
        Files.writeString(key, b.getPrivateKeyPEM());
        TlsConfig tls = new TlsConfig(cert, key, true, Duration.ofMinutes(1));
        withHsts = start(tls.withHsts(new TlsConfig.Hsts(Duration.ofHours(8760), true)));
        withoutHsts = start(tls);
    }

    private static FerryServer start(TlsConfig tls) {
        FerryServer s = FerryServer.builder().config(FerryConfig.DEFAULT.withTls(tls)).host("127.0.0.1").port(0).build();
        s.start();
        return s;
    }

    @AfterAll
    static void stop() {
        if (withHsts != null) {
            withHsts.close();
        }
        if (withoutHsts != null) {
            withoutHsts.close();
        }
    }

    /** The responses to {@code requests}, sent one after another on one TLS connection. */
    private static String[] overTls(FerryServer server, String... requests) throws IOException {
        try (SSLSocket s = TlsSockets.open(server.port(), "TLSv1.3")) {
            String[] out = new String[requests.length];
            OutputStream o = s.getOutputStream();
            for (int i = 0; i < requests.length; i++) {
                o.write(requests[i].getBytes(StandardCharsets.US_ASCII));
                o.flush();
                out[i] = TlsSockets.readResponse(s.getInputStream());
            }
            return out;
        }
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
    }

    @Test
    void everyResponseOverTlsCarriesTheHeaderWhenConfigured() throws Exception {
        String[] r = overTls(withHsts, get("/healthz"), get("/no/such/path"), get("/metrics"));
        assertThat(r[0]).startsWith("HTTP/1.1 200");
        assertThat(r[1]).startsWith("HTTP/1.1 404");
        assertThat(r[2]).startsWith("HTTP/1.1 200");
        for (String response : r) {
            assertThat(TlsSockets.header(response, "Strict-Transport-Security"))
                    .isEqualTo("max-age=31536000; includeSubDomains");
        }
    }

    @Test
    void theWebSocketUpgradeCarriesItAndTheSessionWorksAfterIt() throws Exception {
        try (SSLSocket s = TlsSockets.open(withHsts.port(), "TLSv1.3")) {
            s.getOutputStream().write(UPGRADE.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            String head = TlsSockets.readResponse(s.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 101");
            assertThat(TlsSockets.header(head, "Strict-Transport-Security")).isEqualTo("max-age=31536000; includeSubDomains");
        }
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().sslContext(TlsSockets.trustAll()).build();
        try (dev.ferry.server.testing.WsTestClient ws = dev.ferry.server.testing.WsTestClient.connect(http, withHsts.webSocketUri())) {
            ws.send("{\"type\":\"ping\",\"id\":1}");
            assertThat(ws.nextJson().path("type").asText()).isEqualTo("pong");
        }
    }

    @Test
    void thePlainHttpRedirectDoesNotCarryIt() throws Exception {
        try (Socket s = new Socket("127.0.0.1", withHsts.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(get("/healthz").getBytes(StandardCharsets.US_ASCII));
            String r = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(r).startsWith("HTTP/1.1 308");
            assertThat(TlsSockets.header(r, "Strict-Transport-Security")).isNull();
        }
    }

    @Test
    void withoutTheKeyNoResponseCarriesIt() throws Exception {
        String[] r = overTls(withoutHsts, get("/healthz"), get("/no/such/path"));
        assertThat(r[0]).startsWith("HTTP/1.1 200");
        for (String response : r) {
            assertThat(TlsSockets.header(response, "Strict-Transport-Security")).isNull();
        }
        try (SSLSocket s = TlsSockets.open(withoutHsts.port(), "TLSv1.3")) {
            s.getOutputStream().write(UPGRADE.getBytes(StandardCharsets.US_ASCII));
            String head = TlsSockets.readResponse(s.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 101");
            assertThat(TlsSockets.header(head, "Strict-Transport-Security")).isNull();
        }
    }
}
