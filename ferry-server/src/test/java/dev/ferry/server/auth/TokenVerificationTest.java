package dev.ferry.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.sun.net.httpserver.HttpServer;
import dev.ferry.server.config.AuthConfig;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.config.IssuerConfig;
import dev.ferry.server.testing.Await;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Token verification: every accepted algorithm, and every way a token must be refused (docs/security.md). */
class TokenVerificationTest {
    static final String MAIN = "https://id.example";
    static final String OTHER = "https://other.example";
    static final String RSA_ONLY = "https://rsa-only.example";

    @TempDir
    static Path dir;

    static RSAKey pemRsa;
    static ECKey ec;
    static KeyPair ed;
    static RSAKey otherRsa;
    static RSAKey rsaOnly;
    static Authenticator auth;

    @BeforeAll
    static void setUp() throws Exception {
        pemRsa = TestKeys.rsa(null);
        ec = TestKeys.ec("ec-1");
        ed = TestKeys.ed25519();
        otherRsa = TestKeys.rsa("other-1");
        rsaOnly = TestKeys.rsa("r-1");
        Path pem = dir.resolve("main.pem");
        Files.writeString(pem, TestKeys.pem(pemRsa.toRSAPublicKey()));
        Path jwks = dir.resolve("main.jwks");
        Files.writeString(jwks, new JWKSet(List.of(ec.toPublicJWK(), TestKeys.ed25519Jwk(ed, "ed-1"))).toString());
        Path otherJwks = dir.resolve("other.jwks");
        Files.writeString(otherJwks, new JWKSet(otherRsa.toPublicJWK()).toString());
        Path rsaOnlyJwks = dir.resolve("rsa-only.jwks");
        Files.writeString(rsaOnlyJwks, new JWKSet(rsaOnly.toPublicJWK()).toString());
        AuthConfig config = new AuthConfig(false, "", true, Duration.ofSeconds(30), "ferry", List.of(), List.of(
                new IssuerConfig("main", MAIN, TestKeys.SECRET, List.of(pem.toString()), jwks.toString(), null,
                        Duration.ofMinutes(5), List.of("ferry")),
                new IssuerConfig("other", OTHER, null, List.of(), otherJwks.toString(), null, Duration.ofMinutes(5), List.of()),
                new IssuerConfig("rsa-only", RSA_ONLY, null, List.of(), rsaOnlyJwks.toString(), null, Duration.ofMinutes(5), List.of())));
        auth = new Authenticator(config, HttpConfig.DEFAULT, new SecurityCounters());
    }

    @AfterAll
    static void tearDown() {
        auth.close();
    }

    static JWTClaimsSet valid() {
        return TestKeys.claims(MAIN, "alice").build();
    }

    static Identity accepted(String token) {
        AuthOutcome o = auth.verifyToken(token);
        assertThat(o).as(String.valueOf(o)).isInstanceOf(Identity.class);
        return (Identity) o;
    }

    static String refused(String token) {
        AuthOutcome o = auth.verifyToken(token);
        assertThat(o).isInstanceOf(AuthError.class);
        AuthError e = (AuthError) o;
        assertThat(e.status()).isEqualTo(401);
        assertThat(e.code()).isEqualTo("unauthorized");
        return e.message();
    }

    @Test
    void everyAcceptedAlgorithmVerifies() {
        for (JWSAlgorithm alg : List.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512)) {
            Identity id = accepted(TestKeys.hs(alg, TestKeys.SECRET, null, valid()));
            assertThat(id.name()).isEqualTo("alice");
            assertThat(id.issuer()).isEqualTo(MAIN);
            assertThat(id.kind()).isEqualTo(Identity.Kind.TOKEN);
        }
        accepted(TestKeys.rs256(pemRsa, valid()));
        accepted(TestKeys.es256(ec, valid()));
        accepted(TestKeys.eddsa(ed, "ed-1", valid()));
        accepted(TestKeys.rs256(otherRsa, TestKeys.claims(OTHER, "bob").build()));
    }

    @Test
    void expiredTokenIsRefusedButTheSkewIsTolerated() {
        Instant now = Instant.now();
        assertThat(refused(TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null,
                TestKeys.claims(MAIN, "alice").expirationTime(Date.from(now.minusSeconds(60))).build()))).contains("expired");
        Identity id = accepted(TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null,
                TestKeys.claims(MAIN, "alice").expirationTime(Date.from(now.minusSeconds(10))).build()));
        assertThat(id.expiresAt()).isBefore(now.plusSeconds(21));
    }

    @Test
    void tokenWithoutExpiryIsRefused() {
        assertThat(refused(TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null,
                TestKeys.claims(MAIN, "alice").expirationTime(null).build()))).contains("no exp");
    }

    @Test
    void notYetValidTokenIsRefused() {
        Instant now = Instant.now();
        assertThat(refused(TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null,
                TestKeys.claims(MAIN, "alice").notBeforeTime(Date.from(now.plusSeconds(120))).build()))).contains("not valid before");
        accepted(TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null,
                TestKeys.claims(MAIN, "alice").notBeforeTime(Date.from(now.plusSeconds(10))).build()));
    }

    @Test
    void wrongIssuerIsRefused() {
        assertThat(refused(TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null,
                TestKeys.claims("https://evil.example", "alice").build()))).contains("unknown issuer");
        assertThat(refused(TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null,
                TestKeys.claims(null, "alice").build()))).contains("no iss");
    }

    @Test
    void wrongAudienceIsRefused() {
        assertThat(refused(TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null,
                TestKeys.claims(MAIN, "alice").audience("someone-else").build()))).contains("wrong audience");
        assertThat(refused(TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null,
                TestKeys.claims(MAIN, "alice").audience((String) null).build()))).contains("wrong audience");
    }

    @Test
    void algNoneIsRefused() {
        assertThat(refused(TestKeys.none(valid()))).contains("alg none");
    }

    @Test
    void hmacTokenSignedWithThePublicKeyIsRefused() throws Exception {
        // The classic confusion: sign HS256 with the issuer's RSA public key as if it were the secret.
        byte[] pemBytes = TestKeys.pem(rsaOnly.toRSAPublicKey()).getBytes(StandardCharsets.UTF_8);
        byte[] der = rsaOnly.toRSAPublicKey().getEncoded();
        for (byte[] secret : List.of(pemBytes, der)) {
            String t = TestKeys.sign(new MACSigner(secret), JWSAlgorithm.HS256, "r-1", TestKeys.claims(RSA_ONLY, "alice").build());
            assertThat(refused(t)).contains("no key of issuer");
        }
        String t = TestKeys.sign(new MACSigner(pemRsa.toRSAPublicKey().getEncoded()), JWSAlgorithm.HS256, null, valid());
        assertThat(refused(t)).contains("bad signature");
    }

    @Test
    void keyIdOfAnotherIssuerIsRefused() {
        // Signed by the other issuer's key, with that key's kid, but claiming to come from main.
        // (main has an RSA key configured without kid, which is tried, and does not verify the signature)
        assertThat(refused(TestKeys.rs256(otherRsa, valid()))).contains("bad signature");
        // And the other way round: a key of main presented as the other issuer's.
        assertThat(refused(TestKeys.es256(ec, TestKeys.claims(OTHER, "bob").build()))).contains("no key of issuer");
    }

    @Test
    void tamperedPayloadIsRefused() {
        String t = TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null, valid());
        String[] parts = t.split("\\.");
        String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(
                TestKeys.claims(MAIN, "admin").build().toString().getBytes(StandardCharsets.UTF_8));
        assertThat(refused(parts[0] + "." + forged + "." + parts[2])).contains("bad signature");
        String rs = TestKeys.rs256(pemRsa, valid());
        String[] r = rs.split("\\.");
        assertThat(refused(r[0] + "." + forged + "." + r[2])).contains("bad signature");
    }

    @Test
    void unacceptedAlgorithmAndMalformedTokensAreRefused() throws Exception {
        String rs512 = TestKeys.sign(new RSASSASigner(pemRsa), JWSAlgorithm.RS512, null, valid());
        assertThat(refused(rs512)).contains("not accepted");
        assertThat(refused("")).contains("empty");
        assertThat(refused("not-a-token")).contains("malformed");
        assertThat(refused("a.b.c")).contains("malformed");
        assertThat(refused("x".repeat(20_000))).contains("longer than");
        assertThat(refused(TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null,
                TestKeys.claims(MAIN, null).build()))).contains("no sub");
    }

    @Test
    void grantsClaimIsParsedOrTheTokenRefused() {
        Identity id = accepted(TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null, TestKeys.claims(MAIN, "alice")
                .claim("ferry", Map.of("subscribe", List.of("chat.#"))).build()));
        assertThat(id.grants()).isNotNull();
        assertThat(id.grants().allows(Action.SUBSCRIBE, new String[] {"chat", "x"})).isTrue();
        assertThat(id.grants().allows(Action.PUBLISH, new String[] {"chat", "x"})).isFalse();
        assertThat(refused(TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null, TestKeys.claims(MAIN, "alice")
                .claim("ferry", Map.of("subscribe", List.of("a..b"))).build()))).contains("bad pattern");
        assertThat(refused(TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null, TestKeys.claims(MAIN, "alice")
                .claim("ferry", Map.of("destroy", List.of("a"))).build()))).contains("unknown action");
        assertThat(refused(TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null, TestKeys.claims(MAIN, "alice")
                .claim("ferry", "everything").build()))).contains("grants claim");
    }

    @Test
    void connectCredentialsComeFromHeaderCookieOrQuery() {
        String t = TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null, valid());
        AuthConfig withCookie = new AuthConfig(false, "ferry_token", true, Duration.ofSeconds(30), "ferry", List.of(),
                List.of(new IssuerConfig("main", MAIN, TestKeys.SECRET, List.of(), null, null, Duration.ofMinutes(5), List.of())));
        try (Authenticator a = new Authenticator(withCookie, HttpConfig.DEFAULT, new SecurityCounters())) {
            assertThat(a.authenticate(new AuthRequest("Bearer " + t, null, null))).isInstanceOf(Identity.class);
            assertThat(a.authenticate(new AuthRequest(null, Map.of("ferry_token", t), null))).isInstanceOf(Identity.class);
            assertThat(a.authenticate(new AuthRequest(null, null, Map.of("access_token", List.of(t))))).isInstanceOf(Identity.class);
            assertThat(a.authenticate(new AuthRequest(null, null, null))).isInstanceOf(AuthError.class);
            // a bad token is refused even when a good one comes later: no silent downgrade
            assertThat(a.authenticate(new AuthRequest("Bearer nope", Map.of("ferry_token", t), null))).isInstanceOf(AuthError.class);
        }
    }

    @Test
    void jwksUrlIsFetchedAndRefreshedForAnUnknownKid() throws Exception {
        RSAKey k1 = TestKeys.rsa("k1");
        RSAKey k2 = TestKeys.rsa("k2");
        AtomicReference<String> served = new AtomicReference<>(new JWKSet(k1.toPublicJWK()).toString());
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/jwks.json", ex -> {
            byte[] body = served.get().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        http.start();
        String iss = "https://jwks.example";
        AuthConfig c = new AuthConfig(true, "", true, Duration.ZERO, "ferry", List.of(), List.of(new IssuerConfig("idp", iss,
                null, List.of(), null, "http://127.0.0.1:" + http.getAddress().getPort() + "/jwks.json",
                Duration.ofSeconds(1), List.of())));
        try (Authenticator a = new Authenticator(c, HttpConfig.DEFAULT, new SecurityCounters())) {
            assertThat(a.verifyToken(TestKeys.rs256(k1, TestKeys.claims(iss, "alice").build()))).isInstanceOf(Identity.class);
            String t2 = TestKeys.rs256(k2, TestKeys.claims(iss, "alice").build());
            assertThat(a.verifyToken(t2)).isInstanceOf(AuthError.class);
            served.set(new JWKSet(List.of(k1.toPublicJWK(), k2.toPublicJWK())).toString());
            // The unknown key makes the verifier fetch the key set again, in the background.
            Await.value("the new key is fetched", Await.DEFAULT, () -> a.verifyToken(t2), o -> o instanceof Identity);
        } finally {
            http.stop(0);
        }
    }
}
