package dev.ferry.server.config;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Authentication and authorization of clients (docs/security.md).
 *
 * @param anonymous whether a client may connect without a token (default true)
 * @param cookie the cookie that may carry the token; empty for none (default empty)
 * @param queryParam whether the {@code access_token} query parameter may carry the token (default true)
 * @param clockSkew tolerance when checking {@code exp} and {@code nbf} (default 30s; may be 0)
 * @param grantsClaim the token claim that may carry the token's own grants (default {@code ferry})
 * @param rules permission rules ({@code <actions> <pattern> <who>}); none: everything is allowed; once any
 *     exists, what no rule allows is denied. Their grammar is checked where they are parsed, by
 *     {@code auth.Security}, which refuses a bad one with a {@link ConfigException} naming {@code auth.rules}
 * @param issuers the token issuers whose tokens are accepted; none: tokens are refused
 */
public record AuthConfig(boolean anonymous, String cookie, boolean queryParam, Duration clockSkew, String grantsClaim,
                         List<String> rules, List<IssuerConfig> issuers) {
    private static final Pattern TOKEN_CHARS = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]*");
    public static final AuthConfig DEFAULT = new AuthConfig(true, "", true, Duration.ofSeconds(30), "ferry",
            List.of(), List.of());

    public AuthConfig {
        cookie = cookie == null ? "" : cookie.trim();
        if (!TOKEN_CHARS.matcher(cookie).matches()) {
            throw new ConfigException("auth.cookie: \"" + cookie + "\" (expected: a cookie name)");
        }
        if (clockSkew == null || clockSkew.isNegative() || clockSkew.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new ConfigException("auth.clock-skew: " + clockSkew + " (expected: between 0 and 10m)");
        }
        if (grantsClaim == null || grantsClaim.isBlank()) {
            throw new ConfigException("auth.grants-claim: empty (expected: a claim name)");
        }
        // Each rule's grammar is the auth package's: Security parses them and names auth.rules when one is bad.
        rules = List.copyOf(Checks.notNull("auth.rules", rules));
        issuers = List.copyOf(Checks.notNull("auth.issuers", issuers));
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (IssuerConfig i : issuers) {
            if (!seen.add(i.issuer())) {
                throw new ConfigException("auth.issuers." + i.name() + ".issuer: \"" + i.issuer()
                        + "\" is configured twice (expected: one entry per issuer)");
            }
        }
    }
}
