package dev.ferry.server.transport;

import dev.ferry.server.config.ConfigException;
import dev.ferry.server.config.TlsConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
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

    private SslContext load() {
        try {
            FileTime c = Files.getLastModifiedTime(config.cert());
            FileTime k = Files.getLastModifiedTime(config.key());
            SslContext ctx = SslContextBuilder.forServer(config.cert().toFile(), config.key().toFile())
                    .applicationProtocolConfig(null)
                    .protocols(PROTOCOLS)
                    .ciphers(CIPHER_SUITES, SupportedCipherSuiteFilter.INSTANCE)
                    .build();
            certTime = c;
            keyTime = k;
            return ctx;
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("tls.cert/tls.key: cannot load " + config.cert() + " and " + config.key()
                    + ": " + e.getMessage() + " (expected: a PEM certificate chain and its PKCS#8 PEM private key)");
        }
    }

    /** Reloads when either file changed since the last load; keeps the current context if the new pair is bad. */
    public synchronized boolean reloadIfChanged() {
        try {
            if (Files.getLastModifiedTime(config.cert()).equals(certTime)
                    && Files.getLastModifiedTime(config.key()).equals(keyTime)) {
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
