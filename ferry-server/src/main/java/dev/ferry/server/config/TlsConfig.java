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
 */
public record TlsConfig(Path cert, Path key, boolean redirectHttp, Duration reloadInterval) {
    public static final TlsConfig DEFAULT = new TlsConfig(null, null, true, Duration.ofMinutes(1));

    public TlsConfig {
        if ((cert == null) != (key == null)) {
            throw new ConfigException(cert == null
                    ? "tls.cert: missing (expected: a PEM certificate file, since tls.key is set)"
                    : "tls.key: missing (expected: a PEM private key file, since tls.cert is set)");
        }
        Checks.positive("tls.reload-interval", reloadInterval);
    }

    public boolean enabled() {
        return cert != null;
    }
}
