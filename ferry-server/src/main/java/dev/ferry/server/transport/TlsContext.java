package dev.ferry.server.transport;

import dev.ferry.server.config.ConfigException;
import dev.ferry.server.config.TlsConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's TLS context, loaded from PEM files and reloaded when they change. New connections use the context
 * current at their accept; established ones keep theirs. Thread-safe; {@link #reloadIfChanged()} reads files, so
 * it must run off the event loops.
 *
 * <p>Only TLS 1.3 and TLS 1.2 are offered, with {@link #CIPHER_SUITES}: for TLS 1.2 only ephemeral ECDH key exchange
 * (forward secrecy: a stolen key does not decrypt recorded traffic) with AEAD ciphers (no CBC, whose MAC-then-encrypt
 * construction gave padding oracles such as Lucky Thirteen). Which of the TLS 1.2 suites a client can get depends on
 * the certificate's key: ECDSA keys the {@code ECDHE_ECDSA} ones, RSA keys the {@code ECDHE_RSA} ones.
 */
public final class TlsContext {
    private static final Logger log = LoggerFactory.getLogger(TlsContext.class);

    /** The TLS versions offered. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** The cipher suites offered, in the server's order of preference: TLS 1.3's, then TLS 1.2's. */
    public static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private final TlsConfig config;
    private final AtomicReference<SslContext> current = new AtomicReference<>();
    private FileTime certTime;
    private FileTime keyTime;
    private FileTime caTime;

    /** Loads the files now; a missing or malformed file is a {@link ConfigException} naming the key. */
    public TlsContext(TlsConfig config) {
        this.config = config;
        current.set(load());
    }

    public SslContext get() {
        return current.get();
    }

    public TlsConfig config() {
        return config;
    }

    /**
     * Builds a context from the files' bytes, read once. The pair is refused when the private key does not belong to
     * the leaf certificate: files replaced one after the other can be caught between the two writes, and a
     * mismatched pair would fail every handshake until the next reload. With {@code tls.client-auth} the handshake
     * asks for a client certificate and checks it against the CA certificates of {@code tls.client-ca} only (never
     * the JVM's trust store, which would admit any certificate a public CA issued).
     */
    private SslContext load() {
        FileTime ca = null;
        X509Certificate[] trusted = null;
        if (config.clientAuth() != TlsConfig.ClientAuth.NONE) {
            try {
                ca = Files.getLastModifiedTime(config.clientCa());
                trusted = clientCas(Files.readAllBytes(config.clientCa()));
            } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
                throw new ConfigException("tls.client-ca: cannot load " + config.clientCa() + ": " + e.getMessage()
                        + " (expected: a PEM file of one or more CA certificates)");
            }
        }
        try {
            FileTime c = Files.getLastModifiedTime(config.cert());
            FileTime k = Files.getLastModifiedTime(config.key());
            byte[] certPem = Files.readAllBytes(config.cert());
            byte[] keyPem = Files.readAllBytes(config.key());
            SslContextBuilder builder = SslContextBuilder.forServer(new ByteArrayInputStream(certPem), new ByteArrayInputStream(keyPem))
                    .applicationProtocolConfig(null)
                    .protocols(PROTOCOLS)
                    .ciphers(CIPHER_SUITES, SupportedCipherSuiteFilter.INSTANCE);
            if (trusted != null) {
                builder.trustManager(trusted).clientAuth(config.clientAuth() == TlsConfig.ClientAuth.NEED
                        ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
            }
            SslContext ctx = builder.build();
            if (!keyMatchesLeaf(certPem, keyPem)) {
                throw new IllegalArgumentException("the private key does not belong to the first certificate");
            }
            certTime = c;
            keyTime = k;
            caTime = ca;
            return ctx;
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("tls.cert/tls.key: cannot load " + config.cert() + " and " + config.key()
                    + ": " + e.getMessage() + " (expected: a PEM certificate chain and its PKCS#8 PEM private key)");
        }
    }

    /** The certificates of a PEM file, at least one, each a CA's (basic constraints say so). */
    private static X509Certificate[] clientCas(byte[] pem) throws GeneralSecurityException {
        List<X509Certificate> out = new ArrayList<>();
        for (Certificate c : CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(pem))) {
            X509Certificate x = (X509Certificate) c;
            if (x.getBasicConstraints() < 0) {
                throw new IllegalArgumentException("\"" + x.getSubjectX500Principal().getName() + "\" is not a CA"
                        + " certificate (its basic constraints do not say CA)");
            }
            out.add(x);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no certificate in the file");
        }
        return out.toArray(X509Certificate[]::new);
    }

    /**
     * Whether {@code keyPem} (PKCS#8, which the builder accepted) signs what the first certificate's public key
     * verifies. Keys of algorithms other than RSA and EC are not checked.
     */
    private static boolean keyMatchesLeaf(byte[] certPem, byte[] keyPem) {
        try {
            X509Certificate leaf = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(certPem)).iterator().next();
            PublicKey pub = leaf.getPublicKey();
            String alg = switch (pub.getAlgorithm()) {
                case "RSA" -> "SHA256withRSA";
                case "EC" -> "SHA256withECDSA";
                default -> null;
            };
            if (alg == null) {
                return true;
            }
            String pem = new String(keyPem, StandardCharsets.US_ASCII);
            int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
            int end = pem.indexOf("-----END PRIVATE KEY-----");
            if (begin < 0 || end < begin) {
                return true; // another form the builder understood (an encrypted key, say): not checked here
            }
            byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end));
            PrivateKey key = KeyFactory.getInstance(pub.getAlgorithm()).generatePrivate(new PKCS8EncodedKeySpec(der));
            byte[] challenge = "ferry tls key check".getBytes(StandardCharsets.US_ASCII);
            Signature sign = Signature.getInstance(alg);
            sign.initSign(key);
            sign.update(challenge);
            byte[] signature = sign.sign();
            Signature verify = Signature.getInstance(alg);
            verify.initVerify(pub);
            verify.update(challenge);
            return verify.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Reloads when any of the files (certificate, key, client CAs) changed since the last load; keeps the current
     * context if the new files are bad.
     */
    public synchronized boolean reloadIfChanged() {
        try {
            if (Files.getLastModifiedTime(config.cert()).equals(certTime)
                    && Files.getLastModifiedTime(config.key()).equals(keyTime)
                    && (config.clientCa() == null || Files.getLastModifiedTime(config.clientCa()).equals(caTime))) {
                return false;
            }
            current.set(load());
            log.info("TLS certificate reloaded from {}", config.cert());
            return true;
        } catch (IOException | ConfigException e) {
            log.error("TLS certificate not reloaded, keeping the current one: {}", e.getMessage());
            return false;
        }
    }
}
