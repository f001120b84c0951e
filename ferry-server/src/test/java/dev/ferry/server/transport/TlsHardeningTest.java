package dev.ferry.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.FerryServer;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.TlsConfig;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a TLS client can and cannot get from the TLS port (docs/security.md, "TLS"): the versions and cipher suites
 * offered, client-initiated renegotiation, and the plain-HTTP redirect's checks. One server with an ECDSA
 * certificate and one with an RSA certificate, since the key decides which TLS 1.2 suites can be agreed on.
 */
class TlsHardeningTest {
    @TempDir
    static Path dir;

    static FerryServer ecdsa;
    static FerryServer rsa;

    @BeforeAll
    static void start() throws Exception {
        ecdsa = start("ec", new CertificateBuilder().ecp256());
        rsa = start("rsa", new CertificateBuilder().rsa2048());
    }

    private static FerryServer start(String name, CertificateBuilder key) throws Exception {
        X509Bundle b = key.subject("CN=localhost").addSanIpAddress("127.0.0.1").addSanDnsName("localhost")
                .setIsCertificateAuthority(true).buildSelfSigned();
        Path cert = dir.resolve(name + "-cert.pem");
        Path pk = dir.resolve(name + "-key.pem");
        Files.writeString(cert, b.getCertificatePathPEM());
        Files.writeString(pk, b.getPrivateKeyPEM());
        FerryServer s = FerryServer.builder()
                .config(FerryConfig.DEFAULT.withTls(new TlsConfig(cert, pk, true, Duration.ofMinutes(1))))
                .host("127.0.0.1").port(0).build();
        s.start();
        return s;
    }

    @AfterAll
    static void stop() {
        if (ecdsa != null) {
            ecdsa.close();
        }
        if (rsa != null) {
            rsa.close();
        }
    }

    /** The cipher suites docs/security.md's "TLS" section lists. */
    private static Set<String> documentedSuites() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "security.md"));
        int from = doc.indexOf("\n### TLS\n");
        assertThat(from).as("docs/security.md has a \"### TLS\" section").isPositive();
        int to = doc.indexOf("\n#", from + 1);
        Matcher m = Pattern.compile("`(TLS_[A-Z0-9_]+)`").matcher(doc.substring(from, to < 0 ? doc.length() : to));
        Set<String> out = new TreeSet<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static boolean isTls13Suite(String s) {
        return s.startsWith("TLS_AES_") || s.startsWith("TLS_CHACHA20_");
    }

    /** Every suite that a TLS 1.2 client offering it alone gets from {@code server}. */
    private static Set<String> tls12Agreed(FerryServer server) throws IOException {
        Set<String> agreed = new TreeSet<>();
        for (String suite : TlsSockets.supportedSuites()) {
            if (isTls13Suite(suite) || suite.endsWith("_SCSV")) {
                continue;
            }
            String got = TlsSockets.negotiate(server.port(), "TLSv1.2", suite);
            if (got != null) {
                agreed.add(got);
            }
        }
        return agreed;
    }

    @Test
    void tls12AgreesOnExactlyTheDocumentedForwardSecretAeadSuitesForTheKey() throws Exception {
        Set<String> documented = documentedSuites();
        assertThat(documented).allMatch(s -> isTls13Suite(s) || s.startsWith("TLS_ECDHE_") && (s.contains("_GCM_")
                || s.contains("_CHACHA20_POLY1305_")));
        Set<String> ecdsaSuites = new TreeSet<>();
        Set<String> rsaSuites = new TreeSet<>();
        for (String s : documented) {
            if (s.startsWith("TLS_ECDHE_ECDSA_")) {
                ecdsaSuites.add(s);
            } else if (s.startsWith("TLS_ECDHE_RSA_")) {
                rsaSuites.add(s);
            }
        }
        assertThat(ecdsaSuites).hasSize(3);
        assertThat(rsaSuites).hasSize(3);
        assertThat(tls12Agreed(ecdsa)).isEqualTo(ecdsaSuites);
        assertThat(tls12Agreed(rsa)).isEqualTo(rsaSuites);
    }

    @Test
    void tls13AgreesOnEachOfItsDocumentedSuites() throws Exception {
        Set<String> tls13 = new TreeSet<>();
        for (String s : documentedSuites()) {
            if (isTls13Suite(s)) {
                tls13.add(s);
                assertThat(TlsSockets.negotiate(ecdsa.port(), "TLSv1.3", s)).as(s).isEqualTo(s);
                assertThat(TlsSockets.negotiate(rsa.port(), "TLSv1.3", s)).as(s).isEqualTo(s);
            }
        }
        assertThat(tls13).containsExactlyInAnyOrder("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                "TLS_CHACHA20_POLY1305_SHA256");
    }

    @Test
    void aTls12ClientOfferingOnlyStaticRsaOrCbcSuitesFailsTheHandshake() throws Exception {
        String[] weakRsa = {"TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_AES_256_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
                "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
                "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"};
        String[] weakEcdsa = {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
                "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"};
        assertThat(TlsSockets.negotiate(rsa.port(), "TLSv1.2", weakRsa)).isNull();
        assertThat(TlsSockets.negotiate(ecdsa.port(), "TLSv1.2", weakEcdsa)).isNull();
        // The same clients, offering one good suite too, get it.
        String[] withGood = java.util.Arrays.copyOf(weakRsa, weakRsa.length + 1);
        withGood[weakRsa.length] = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
        assertThat(TlsSockets.negotiate(rsa.port(), "TLSv1.2", withGood)).isEqualTo("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    }

    /** Sends GET /healthz on {@code s}; the response, or null when the server closed the connection instead. */
    private static String healthz(SSLSocket s) {
        try {
            OutputStream out = s.getOutputStream();
            out.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return TlsSockets.readResponse(s.getInputStream());
        } catch (IOException e) {
            return null;
        }
    }

    @Test
    void aTls12ClientThatStartsARenegotiationIsDisconnected() throws Exception {
        for (FerryServer server : new FerryServer[] {ecdsa, rsa}) {
            try (SSLSocket s = TlsSockets.open(server.port(), "TLSv1.2")) {
                s.startHandshake();
                assertThat(healthz(s)).startsWith("HTTP/1.1 200");
                // A second startHandshake on a TLS 1.2 connection sends a new ClientHello: a renegotiation. Where
                // it is allowed, the next request is answered once the renegotiation completes.
                s.startHandshake();
                assertThat(healthz(s)).as("answer after a renegotiation attempt").isNull();
            }
        }
    }

    @Test
    void aTls13ClientsKeyUpdateKeepsTheConnection() throws Exception {
        try (SSLSocket s = TlsSockets.open(ecdsa.port(), "TLSv1.3")) {
            s.startHandshake();
            assertThat(healthz(s)).startsWith("HTTP/1.1 200");
            // On TLS 1.3 a second startHandshake sends a KeyUpdate, which is not a renegotiation.
            s.startHandshake();
            assertThat(healthz(s)).startsWith("HTTP/1.1 200");
            assertThat(healthz(s)).startsWith("HTTP/1.1 200");
        }
    }

    /** The raw answer to a plain-HTTP request with {@code hostLine} on the TLS port. */
    private static String plain(int port, String target, String hostLine) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + target + " HTTP/1.1\r\n" + hostLine + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void thePlainHttpRedirectRefusesAHostThatIsNotHostAndPort() throws Exception {
        int port = ecdsa.port();
        String evil = plain(port, "/v1/ws", "Host: evil.example/x?\r\n");
        assertThat(evil).startsWith("HTTP/1.1 400 Bad Request").doesNotContainIgnoringCase("location:")
                .contains("application/json").endsWith("}").contains("{\"code\":\"bad_request\",\"message\":\"Host header");
        assertThat(plain(port, "@evil.example/x", "Host: good.example\r\n")).startsWith("HTTP/1.1 400 Bad Request")
                .doesNotContainIgnoringCase("location:");
        assertThat(plain(port, "/v1/ws", "")).startsWith("HTTP/1.1 400 Bad Request");
        assertThat(plain(port, "/a?b=1", "Host: [::1]:" + port + "\r\n")).startsWith("HTTP/1.1 308")
                .containsIgnoringCase("location: https://[::1]:" + port + "/a?b=1\r\n");
    }
}
