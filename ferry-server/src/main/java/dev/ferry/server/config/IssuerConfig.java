package dev.ferry.server.config;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One token issuer ({@code auth.issuers.<name>.*}). Tokens are checked only against the keys of the issuer their
 * {@code iss} names, so a key id is never looked up across issuers.
 *
 * @param name the configuration name ({@code main} in {@code auth.issuers.main.issuer})
 * @param issuer the exact {@code iss} of its tokens
 * @param secret a shared HMAC secret (HS256/384/512), at least 32 bytes; {@code null} for none
 * @param publicKeys PEM files holding RSA, EC P-256 or Ed25519 public keys (or certificates)
 * @param jwksFile a JWKS file; {@code null} for none
 * @param jwksUrl an http(s) URL serving a JWKS (public keys only); {@code null} for none
 * @param jwksRefresh how often a JWKS file or URL is read again (default 5m)
 * @param audience accepted {@code aud} values: a token must name one of them; empty: {@code aud} is not checked
 */
public record IssuerConfig(String name, String issuer, String secret, List<String> publicKeys, String jwksFile,
                           String jwksUrl, Duration jwksRefresh, List<String> audience) {
    public static final Duration DEFAULT_JWKS_REFRESH = Duration.ofMinutes(5);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    public IssuerConfig {
        String k = "auth.issuers." + name;
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ConfigException("auth.issuers: name \"" + name + "\" (expected: letters, digits, _ or -)");
        }
        if (issuer == null || issuer.isBlank()) {
            throw new ConfigException(k + ".issuer: missing (expected: the exact iss of the issuer's tokens)");
        }
        secret = blankToNull(secret);
        jwksFile = blankToNull(jwksFile);
        jwksUrl = blankToNull(jwksUrl);
        publicKeys = List.copyOf(Checks.notNull(k + ".public-keys", publicKeys));
        audience = List.copyOf(Checks.notNull(k + ".audience", audience));
        Checks.positive(k + ".jwks-refresh", jwksRefresh);
        if (secret != null && secret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
            throw new ConfigException(k + ".secret: a secret of " + secret.length()
                    + " characters (expected: at least 32 bytes, as HS256 requires)");
        }
        if (jwksUrl != null && !(jwksUrl.startsWith("https://") || jwksUrl.startsWith("http://"))) {
            throw new ConfigException(k + ".jwks-url: \"" + jwksUrl + "\" (expected: an http or https URL)");
        }
        if (secret == null && publicKeys.isEmpty() && jwksFile == null && jwksUrl == null) {
            throw new ConfigException(k + ": no keys (expected: at least one of secret, public-keys, jwks-file, jwks-url)");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    @Override
    public String toString() {
        return "IssuerConfig[" + name + ", issuer=" + issuer + ", secret=" + (secret == null ? "none" : "***")
                + ", publicKeys=" + publicKeys + ", jwksFile=" + jwksFile + ", jwksUrl=" + jwksUrl
                + ", jwksRefresh=" + jwksRefresh + ", audience=" + audience + "]";
    }
}
