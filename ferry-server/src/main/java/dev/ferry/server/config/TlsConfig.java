package dev.ferry.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * TLS on the one port (https and wss).
 *
 * @param cert PEM certificate chain, leaf first (default: none, TLS off)
 * @param key PEM private key (PKCS#8) of the leaf certificate; required with {@code cert}
 * @param redirectHttp answer plain-HTTP requests arriving on the TLS port with a 308 redirect to https
 *     (default true); when false they are closed
 * @param reloadInterval how often the files are checked for changes; a changed pair is loaded for new connections
 *     without a restart (default 1m)
 * @param hsts the {@code Strict-Transport-Security} header sent on every response over TLS (default: none, no header)
 * @param clientAuth whether the handshake asks clients for a certificate (default {@link ClientAuth#NONE})
 * @param clientCa PEM file of the CA certificates a client certificate must chain to; required unless
 *     {@code clientAuth} is {@link ClientAuth#NONE}, refused otherwise (default: none)
 */
public record TlsConfig(Path cert, Path key, boolean redirectHttp, Duration reloadInterval, Hsts hsts,
                        ClientAuth clientAuth, Path clientCa) {
    public static final TlsConfig DEFAULT = new TlsConfig(null, null, true, Duration.ofMinutes(1), null,
            ClientAuth.NONE, null);

    /** Whether a TLS client is asked for a certificate (mutual TLS, docs/security.md "Client certificates"). */
    public enum ClientAuth {
        /** Not asked: clients authenticate with tokens only. */
        NONE,
        /** Asked; a client without one connects as it would without {@code tls.client-auth}. */
        WANT,
        /** Required: a handshake without a certificate that chains to {@code tls.client-ca} fails. */
        NEED;

        /** The configuration value, {@code none}, {@code want} or {@code need}. */
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses a configuration value; null when it is none of the three. */
        public static ClientAuth parse(String s) {
            for (ClientAuth a : values()) {
                if (a.key().equals(s == null ? null : s.trim().toLowerCase(Locale.ROOT))) {
                    return a;
                }
            }
            return null;
        }
    }

    public TlsConfig {
        if ((cert == null) != (key == null)) {
            throw new ConfigException(cert == null
                    ? "tls.cert: missing (expected: a PEM certificate file, since tls.key is set)"
                    : "tls.key: missing (expected: a PEM private key file, since tls.cert is set)");
        }
        Checks.positive("tls.reload-interval", reloadInterval);
        clientAuth = clientAuth == null ? ClientAuth.NONE : clientAuth;
        if (clientAuth != ClientAuth.NONE && clientCa == null) {
            throw new ConfigException("tls.client-ca: missing (expected: a PEM file of the CA certificates that"
                    + " issue client certificates, since tls.client-auth is " + clientAuth.key() + ")");
        }
        if (clientAuth == ClientAuth.NONE && clientCa != null) {
            throw new ConfigException("tls.client-ca: set while tls.client-auth is none (expected: tls.client-auth"
                    + " want or need, which asks clients for a certificate)");
        }
        if (clientAuth != ClientAuth.NONE && cert == null) {
            throw new ConfigException("tls.client-auth: " + clientAuth.key() + " without tls.cert (expected: TLS"
                    + " turned on with tls.cert and tls.key; client certificates exist only over TLS)");
        }
    }

    /** TLS without a {@code Strict-Transport-Security} header and without client certificates. */
    public TlsConfig(Path cert, Path key, boolean redirectHttp, Duration reloadInterval) {
        this(cert, key, redirectHttp, reloadInterval, null, ClientAuth.NONE, null);
    }

    /** TLS without client certificates. */
    public TlsConfig(Path cert, Path key, boolean redirectHttp, Duration reloadInterval, Hsts hsts) {
        this(cert, key, redirectHttp, reloadInterval, hsts, ClientAuth.NONE, null);
    }

    public boolean enabled() {
        return cert != null;
    }

    public TlsConfig withHsts(Hsts x) {
        return new TlsConfig(cert, key, redirectHttp, reloadInterval, x, clientAuth, clientCa);
    }

    /** A copy asking clients for a certificate issued by a CA in {@code ca} ({@code null} with {@code NONE}). */
    public TlsConfig withClientAuth(ClientAuth auth, Path ca) {
        return new TlsConfig(cert, key, redirectHttp, reloadInterval, hsts, auth, ca);
    }

    /**
     * The HTTP Strict Transport Security policy (RFC 6797) announced on responses over TLS.
     *
     * @param maxAge how long a browser keeps to https for this host, in whole seconds; {@code 0s} tells browsers to
     *     forget the policy
     * @param includeSubdomains whether the policy covers the host's subdomains too ({@code includeSubDomains})
     */
    public record Hsts(Duration maxAge, boolean includeSubdomains) {
        public Hsts {
            if (maxAge == null || maxAge.isNegative() || maxAge.toNanos() % 1_000_000_000L != 0) {
                throw new ConfigException("tls.hsts.max-age: " + (maxAge == null ? "missing" : Durations.format(maxAge))
                        + " (expected: whole seconds >= 0, such as 8760h for a year)");
            }
        }

        /** The header's value, e.g. {@code max-age=31536000; includeSubDomains} (RFC 6797 §6.1). */
        public String headerValue() {
            return "max-age=" + maxAge.toSeconds() + (includeSubdomains ? "; includeSubDomains" : "");
        }
    }
}
