package dev.ferry.server.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import dev.ferry.server.config.ConfigException;
import dev.ferry.server.config.IssuerConfig;
import dev.ferry.server.time.ServerClock;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verification keys of one issuer: configured ones (shared secret, PEM public keys), fixed at start, and
 * those of a JWKS file or URL, read at start and again every {@code jwks-refresh} (and, at most every few seconds,
 * when a token names a key id not seen yet). Reads may come from any thread; {@link #refresh()} runs on the
 * refresher thread, never on an event loop.
 */
final class IssuerKeys {
    private static final Logger log = LoggerFactory.getLogger(IssuerKeys.class);
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");
    private static final int MAX_JWKS_BYTES = 1 << 20;

    private final IssuerConfig config;
    private final HttpClient http;
    /** The time refreshes are spaced on. */
    private final ServerClock clock;
    private final List<JWK> configured;
    private volatile List<JWK> fetched = List.of();
    private volatile long lastRefreshNanos;

    IssuerKeys(IssuerConfig config, HttpClient http, ServerClock clock) {
        this.config = config;
        this.http = http;
        this.clock = clock;
        List<JWK> keys = new ArrayList<>();
        if (config.secret() != null) {
            keys.add(new OctetSequenceKey.Builder(config.secret().getBytes(StandardCharsets.UTF_8)).build());
        }
        for (String file : config.publicKeys()) {
            keys.addAll(readPem(Path.of(file), "auth.issuers." + config.name() + ".public-keys"));
        }
        this.configured = List.copyOf(keys);
        if (config.jwksFile() != null) {
            try {
                fetched = readJwks();
            } catch (IOException | java.text.ParseException | InterruptedException e) {
                throw new ConfigException("auth.issuers." + config.name() + ".jwks-file: cannot read "
                        + config.jwksFile() + ": " + e.getMessage());
            }
            lastRefreshNanos = clock.nanoTime();
        } else if (config.jwksUrl() != null) {
            refresh();
        }
    }

    IssuerConfig config() {
        return config;
    }

    boolean hasJwks() {
        return config.jwksFile() != null || config.jwksUrl() != null;
    }

    /** Reads the JWKS file or URL again; on failure keeps the keys it had. Blocking. */
    void refresh() {
        lastRefreshNanos = clock.nanoTime();
        try {
            List<JWK> keys = readJwks();
            fetched = keys;
            log.debug("issuer {}: {} key(s) from its JWKS", config.name(), keys.size());
        } catch (IOException | java.text.ParseException | RuntimeException e) {
            log.warn("issuer {}: cannot read its JWKS ({}); keeping {} key(s) read before", config.name(),
                    e.getMessage(), fetched.size());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether a refresh for an unknown key id may run now (at most one every few seconds). */
    boolean mayRefreshEarly() {
        long min = Math.min(Duration.ofSeconds(10).toNanos(), config.jwksRefresh().toNanos());
        return hasJwks() && clock.nanoTime() - lastRefreshNanos >= min;
    }

    private List<JWK> readJwks() throws IOException, java.text.ParseException, InterruptedException {
        String text;
        boolean remote = config.jwksFile() == null;
        if (!remote) {
            text = Files.readString(Path.of(config.jwksFile()), StandardCharsets.UTF_8);
        } else {
            HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(config.jwksUrl()))
                    .timeout(Duration.ofSeconds(10)).header("Accept", "application/json").GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = r.body()) {
                byte[] body = in.readNBytes(MAX_JWKS_BYTES + 1);
                if (r.statusCode() != 200) {
                    throw new IOException("HTTP " + r.statusCode() + " from " + config.jwksUrl());
                }
                if (body.length > MAX_JWKS_BYTES) {
                    throw new IOException("JWKS larger than " + MAX_JWKS_BYTES + " bytes");
                }
                text = new String(body, StandardCharsets.UTF_8);
            }
        }
        List<JWK> out = new ArrayList<>();
        for (JWK k : JWKSet.parse(text).getKeys()) {
            if (k instanceof OctetSequenceKey && remote) {
                continue; // a secret served over HTTP is no secret: only public keys are taken from a URL
            }
            out.add(k.isPrivate() && !(k instanceof OctetSequenceKey) ? k.toPublicJWK() : k);
        }
        return List.copyOf(out);
    }

    /**
     * The keys that may have signed a token of this issuer with {@code alg} and key id {@code kid}: of the key type
     * the algorithm needs (so an HMAC token is never checked against a public key), with the token's key id (keys
     * configured without an id match any), not restricted to another algorithm or to encryption.
     */
    List<JWK> candidates(JWSAlgorithm alg, String kid) {
        List<JWK> out = new ArrayList<>();
        add(out, configured, alg, kid);
        add(out, fetched, alg, kid);
        return out;
    }

    /** Whether some key of this issuer has id {@code kid}. */
    boolean knowsKid(String kid) {
        return kid == null || fetched.stream().anyMatch(k -> kid.equals(k.getKeyID()))
                || configured.stream().anyMatch(k -> k.getKeyID() == null || kid.equals(k.getKeyID()));
    }

    private static void add(List<JWK> out, List<JWK> keys, JWSAlgorithm alg, String kid) {
        for (JWK k : keys) {
            if (kid != null && k.getKeyID() != null && !kid.equals(k.getKeyID())) {
                continue;
            }
            if (k.getAlgorithm() != null && !k.getAlgorithm().getName().equals(alg.getName())) {
                continue;
            }
            if (KeyUse.ENCRYPTION.equals(k.getKeyUse())) {
                continue;
            }
            if (fits(k, alg)) {
                out.add(k);
            }
        }
    }

    private static boolean fits(JWK k, JWSAlgorithm alg) {
        if (JWSAlgorithm.Family.HMAC_SHA.contains(alg)) {
            return k instanceof OctetSequenceKey;
        }
        if (JWSAlgorithm.RS256.equals(alg)) {
            return k instanceof RSAKey r && r.size() >= 2048;
        }
        if (JWSAlgorithm.ES256.equals(alg)) {
            return k instanceof ECKey e && Curve.P_256.equals(e.getCurve());
        }
        if (JWSAlgorithm.EdDSA.equals(alg) || JWSAlgorithm.Ed25519.equals(alg)) {
            return k instanceof OctetKeyPair o && Curve.Ed25519.equals(o.getCurve());
        }
        return false;
    }

    /** Public keys from a PEM file: {@code PUBLIC KEY} blocks (RSA, EC P-256, Ed25519) and certificates. */
    static List<JWK> readPem(Path file, String key) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new ConfigException(key + ": cannot read " + file + ": " + e.getMessage());
        }
        List<JWK> out = new ArrayList<>();
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            try {
                PublicKey pk = switch (m.group(1)) {
                    case "PUBLIC KEY" -> publicKey(der);
                    case "CERTIFICATE" -> CertificateFactory.getInstance("X.509")
                            .generateCertificate(new ByteArrayInputStream(der)).getPublicKey();
                    default -> null;
                };
                if (pk != null) {
                    out.add(toJwk(pk));
                }
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                throw new ConfigException(key + ": " + file + ": unreadable " + m.group(1) + " (" + e.getMessage() + ")");
            }
        }
        if (out.isEmpty()) {
            throw new ConfigException(key + ": " + file + " holds no PUBLIC KEY or CERTIFICATE block");
        }
        return out;
    }

    private static PublicKey publicKey(byte[] der) throws GeneralSecurityException {
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next key type
            }
        }
        throw new GeneralSecurityException("not an RSA, EC or Ed25519 public key");
    }

    static JWK toJwk(PublicKey pk) {
        if (pk instanceof RSAPublicKey rsa) {
            return new RSAKey.Builder(rsa).build();
        }
        if (pk instanceof ECPublicKey ec) {
            Curve c = Curve.forECParameterSpec(ec.getParams());
            if (c == null) {
                throw new IllegalArgumentException("unsupported elliptic curve");
            }
            return new ECKey.Builder(c, ec).build();
        }
        byte[] der = pk.getEncoded();
        if (der.length == Ed25519JdkVerifier.X509_PREFIX.length + 32
                && Arrays.equals(Arrays.copyOf(der, Ed25519JdkVerifier.X509_PREFIX.length), Ed25519JdkVerifier.X509_PREFIX)) {
            return new OctetKeyPair.Builder(Curve.Ed25519,
                    Base64URL.encode(Arrays.copyOfRange(der, Ed25519JdkVerifier.X509_PREFIX.length, der.length))).build();
        }
        throw new IllegalArgumentException("unsupported key type " + pk.getAlgorithm());
    }
}
