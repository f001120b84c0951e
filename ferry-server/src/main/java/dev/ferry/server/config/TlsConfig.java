package dev.ferry.server.config;

import java.nio.file.Path;
import java.time.Duration;

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
 */
public record TlsConfig(Path cert, Path key, boolean redirectHttp, Duration reloadInterval, Hsts hsts) {
    public static final TlsConfig DEFAULT = new TlsConfig(null, null, true, Duration.ofMinutes(1), null);

    public TlsConfig {
        if ((cert == null) != (key == null)) {
            throw new ConfigException(cert == null
                    ? "tls.cert: missing (expected: a PEM certificate file, since tls.key is set)"
                    : "tls.key: missing (expected: a PEM private key file, since tls.cert is set)");
        }
        Checks.positive("tls.reload-interval", reloadInterval);
    }

    /** TLS without a {@code Strict-Transport-Security} header. */
    public TlsConfig(Path cert, Path key, boolean redirectHttp, Duration reloadInterval) {
        this(cert, key, redirectHttp, reloadInterval, null);
    }

    public boolean enabled() {
        return cert != null;
    }

    public TlsConfig withHsts(Hsts x) {
        return new TlsConfig(cert, key, redirectHttp, reloadInterval, x);
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
