package dev.ferry.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.AuthConfig;
import dev.ferry.server.config.ConfigException;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.IssuerConfig;
import dev.ferry.server.config.TlsConfig;
import dev.ferry.server.testing.WsTestClient;
import dev.ferry.server.transport.TlsContext;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client certificates (mutual TLS, docs/security.md "Client certificates"): {@code tls.client-auth} want and need,
 * the certificate's subject and SANs as the identity {@code auth.rules} see, and a token beside a certificate, over
 * WebSocket and the HTTP API. Every certificate is made by the test.
 */
class ClientCertificateTest {
    private static final String ISS = "https://issuer.test";
    private static final List<String> RULES = List.of(
            "all devices.{CN}.# cert:O=Acme Devices",
            "subscribe fleet.# cert:OU=sensors",
            "publish telemetry.# cert:DNS=dev-1.devices.example",
            "subscribe+publish public.# everyone",
            "all user.{sub}.# authenticated");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static X509Bundle serverCert;
    static X509Bundle ca;
    static X509Bundle dev1;
    static X509Bundle dev2;
    static X509Bundle rogue;
    static FerryServer need;
    static FerryServer want;

    @BeforeAll
    static void start() throws Exception {
        serverCert = new CertificateBuilder().subject("CN=ferry-test").addSanIpAddress("127.0.0.1")
                .ecp256().setIsCertificateAuthority(true).buildSelfSigned();
        ca = new CertificateBuilder().subject("CN=Test Devices CA").ecp256().setIsCertificateAuthority(true).buildSelfSigned();
        dev1 = new CertificateBuilder().subject("CN=dev-1,OU=sensors,O=Acme Devices").addSanDnsName("dev-1.devices.example")
                .ecp256().addExtendedKeyUsageClientAuth().buildIssuedBy(ca);
        dev2 = new CertificateBuilder().subject("CN=dev-2,O=Acme Devices").ecp256().addExtendedKeyUsageClientAuth()
                .buildIssuedBy(ca);
        X509Bundle rogueCa = new CertificateBuilder().subject("CN=Test Devices CA").ecp256().setIsCertificateAuthority(true)
                .buildSelfSigned();
        rogue = new CertificateBuilder().subject("CN=dev-1,OU=sensors,O=Acme Devices").ecp256()
                .addExtendedKeyUsageClientAuth().buildIssuedBy(rogueCa);
        Path cert = dir.resolve("server.pem");
        Path key = dir.resolve("server.key");
        Path caFile = dir.resolve("clients-ca.pem");
        Files.writeString(cert, serverCert.getCertificatePathPEM());
        Files.writeString(key, serverCert.getPrivateKeyPEM());
        Files.writeString(caFile, ca.getCertificatePEM());
        TlsConfig tls = new TlsConfig(cert, key, true, Duration.ofMinutes(1));
        need = start(FerryConfig.DEFAULT.withTls(tls.withClientAuth(TlsConfig.ClientAuth.NEED, caFile))
                .withAuth(new AuthConfig(false, "", true, Duration.ZERO, "ferry", RULES, List.of())));
        want = start(FerryConfig.DEFAULT.withTls(tls.withClientAuth(TlsConfig.ClientAuth.WANT, caFile))
                .withAuth(new AuthConfig(true, "", true, Duration.ZERO, "ferry", RULES, List.of(new IssuerConfig(
                        "main", ISS, TestKeys.SECRET, List.of(), null, null, Duration.ofMinutes(5), List.of("ferry"))))));
    }

    private static FerryServer start(FerryConfig config) {
        FerryServer s = FerryServer.builder().config(config).host("127.0.0.1").port(0).build();
        s.start();
        return s;
    }

    @AfterAll
    static void stop() {
        if (need != null) {
            need.close();
        }
        if (want != null) {
            want.close();
        }
    }

    /** An HTTP client trusting the server's certificate and presenting {@code client}'s, if any. */
    private static HttpClient client(X509Bundle client) throws Exception {
        KeyManager[] keys = client == null ? null : client.toKeyManagerFactory().getKeyManagers();
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(keys, serverCert.toTrustManagerFactory().getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(10)).build();
    }

    private static String token(String sub) {
        return TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null, TestKeys.claims(ISS, sub)
                .expirationTime(Date.from(Instant.now().plusSeconds(300))).build());
    }

    private static HttpResponse<String> publish(FerryServer server, HttpClient http, String topic, String bearer)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.httpUri().resolve("/v1/publish/" + topic))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("1"));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends {@code frame} (with id 1) and returns the answer. */
    private static JsonNode ask(WsTestClient c, String frame) {
        c.send(frame);
        return c.nextJson();
    }

    private static String pub(String topic) {
        return "{\"type\":\"pub\",\"id\":1,\"ack\":true,\"topic\":\"" + topic + "\",\"data\":1}";
    }

    private static String sub(String topic) {
        return "{\"type\":\"sub\",\"id\":1,\"topic\":\"" + topic + "\"}";
    }

    private static void assertForbidden(JsonNode answer, String topic, String identity) {
        assertThat(answer.path("code").asText()).as(answer.toString()).isEqualTo("forbidden");
        assertThat(answer.path("data").path("topic").asText()).isEqualTo(topic);
        assertThat(answer.path("message").asText()).contains(identity);
    }

    @Test
    void withNeedAHandshakeWithoutACertificateOrWithOneOfAnotherCaFails() throws Exception {
        URI health = need.httpUri().resolve("/healthz");
        for (X509Bundle b : new X509Bundle[] {null, rogue}) {
            HttpClient http = client(b);
            assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString()))
                    .as(b == null ? "no certificate" : "another CA's certificate").isInstanceOf(IOException.class);
            assertThatThrownBy(() -> WsTestClient.connect(http, need.webSocketUri()))
                    .isInstanceOf(CompletionException.class).hasCauseInstanceOf(IOException.class);
        }
        assertThat(client(dev1).send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(200);
    }

    @Test
    void theCertificatesSubjectAndSansAreWhatTheRulesSeeOverWebSocket() throws Exception {
        String dev1Name = "certificate \"CN=dev-1,OU=sensors,O=Acme Devices\"";
        try (WsTestClient c = WsTestClient.connect(client(dev1), need.webSocketUri())) {
            assertThat(ask(c, pub("devices.dev-1.temp")).path("type").asText()).isEqualTo("result");
            assertThat(ask(c, sub("devices.dev-1.#")).path("type").asText()).isEqualTo("result");
            assertThat(ask(c, sub("fleet.#")).path("type").asText()).isEqualTo("result");
            assertThat(ask(c, pub("telemetry.load")).path("type").asText()).isEqualTo("result");
            assertForbidden(ask(c, pub("devices.dev-2.temp")), "devices.dev-2.temp", dev1Name);
            assertForbidden(ask(c, pub("user.dev-1.inbox")), "user.dev-1.inbox", dev1Name);
        }
        String dev2Name = "certificate \"CN=dev-2,O=Acme Devices\"";
        try (WsTestClient c = WsTestClient.connect(client(dev2), need.webSocketUri())) {
            assertThat(ask(c, pub("devices.dev-2.temp")).path("type").asText()).isEqualTo("result");
            assertForbidden(ask(c, sub("fleet.#")), "fleet.#", dev2Name);
            assertForbidden(ask(c, pub("telemetry.load")), "telemetry.load", dev2Name);
        }
    }

    @Test
    void theHttpApiTakesTheCertificateAsTheIdentityWithoutApiKeysOrIssuers() throws Exception {
        HttpClient http = client(dev1);
        assertThat(publish(need, http, "devices.dev-1.temp", null).statusCode()).isEqualTo(200);
        HttpResponse<String> denied = publish(need, http, "devices.dev-2.temp", null);
        assertThat(denied.statusCode()).isEqualTo(403);
        assertForbidden(JSON.readTree(denied.body()), "devices.dev-2.temp", "CN=dev-1,OU=sensors,O=Acme Devices");
        HttpResponse<String> anonymous = publish(want, client(null), "public.news", null);
        assertThat(anonymous.statusCode()).as("without a certificate the HTTP API still wants a credential").isEqualTo(401);
    }

    @Test
    void withWantAClientWithoutACertificateIsAnonymousAndOneWithACertificateIsItsSubject() throws Exception {
        try (WsTestClient c = WsTestClient.connect(client(null), want.webSocketUri())) {
            assertThat(ask(c, pub("public.news")).path("type").asText()).isEqualTo("result");
            assertForbidden(ask(c, pub("devices.dev-1.temp")), "devices.dev-1.temp", "anonymous");
        }
        try (WsTestClient c = WsTestClient.connect(client(dev1), want.webSocketUri())) {
            assertThat(ask(c, pub("devices.dev-1.temp")).path("type").asText()).isEqualTo("result");
        }
        assertThatThrownBy(() -> WsTestClient.connect(client(rogue), want.webSocketUri()))
                .as("a certificate of another CA fails the handshake even when certificates are only wanted")
                .isInstanceOf(CompletionException.class).hasCauseInstanceOf(IOException.class);
    }

    @Test
    void aTokenBesideACertificateDecidesTheIdentityAndABadOneIsRefused() throws Exception {
        HttpClient http = client(dev1);
        try (WsTestClient c = WsTestClient.connect(http, want.webSocketUri(), Map.of("Authorization", "Bearer " + token("alice")))) {
            assertThat(ask(c, pub("user.alice.inbox")).path("type").asText()).isEqualTo("result");
            assertForbidden(ask(c, pub("devices.dev-1.temp")), "devices.dev-1.temp", "sub \"alice\"");
        }
        assertThatThrownBy(() -> WsTestClient.connect(http, want.webSocketUri(), Map.of("Authorization", "Bearer nope")))
                .as("a bad token is refused, not replaced by the certificate").isInstanceOf(CompletionException.class);
        HttpResponse<String> bad = publish(want, http, "devices.dev-1.temp", "nope");
        assertThat(bad.statusCode()).isEqualTo(401);
        assertThat(publish(want, http, "user.alice.inbox", token("alice")).statusCode()).isEqualTo(200);
        assertThat(publish(want, http, "devices.dev-1.temp", token("alice")).statusCode()).isEqualTo(403);
        assertThat(publish(want, http, "devices.dev-1.temp", null).statusCode()).isEqualTo(200);
    }

    @Test
    void theAuthCommandCannotReplaceTheCertificatesIdentity() throws Exception {
        try (WsTestClient c = WsTestClient.connect(client(dev1), want.webSocketUri())) {
            JsonNode refused = ask(c, "{\"type\":\"auth\",\"id\":1,\"token\":\"" + token("alice") + "\"}");
            assertThat(refused.path("code").asText()).isEqualTo("unauthorized");
            assertThat(refused.path("message").asText()).contains("certificate \"CN=dev-1");
            assertThat(ask(c, pub("devices.dev-1.temp")).path("type").asText()).isEqualTo("result");
        }
    }

    @Test
    void aClientCaFileWithoutACaCertificateIsRefusedNamingTheKey() throws Exception {
        Path leaf = Files.writeString(dir.resolve("leaf-as-ca.pem"), dev1.getCertificatePEM());
        TlsConfig tls = new TlsConfig(dir.resolve("server.pem"), dir.resolve("server.key"), true, Duration.ofMinutes(1))
                .withClientAuth(TlsConfig.ClientAuth.WANT, leaf);
        assertThatThrownBy(() -> new TlsContext(tls)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("tls.client-ca: cannot load " + leaf)
                .hasMessageContaining("\"CN=dev-1,OU=sensors,O=Acme Devices\" is not a CA certificate");
    }
}
