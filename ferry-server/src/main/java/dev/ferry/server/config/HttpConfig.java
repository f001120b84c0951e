package dev.ferry.server.config;

import java.util.List;

/**
 * The HTTP API.
 *
 * @param apiKeys keys accepted by {@code POST /v1/publish/...} and {@code POST /v1/call/...} as
 *     {@code Authorization: Bearer <key>}; with none configured those endpoints answer 403 (default: none)
 * @param maxBodyBytes largest request body accepted (default 1 MiB)
 */
public record HttpConfig(List<String> apiKeys, int maxBodyBytes) {
    public static final HttpConfig DEFAULT = new HttpConfig(List.of(), 1 << 20);

    public HttpConfig {
        apiKeys = List.copyOf(Checks.notNull("http.api-keys", apiKeys));
        for (String k : apiKeys) {
            if (k.length() < 16) {
                throw new ConfigException("http.api-keys: a key of " + k.length()
                        + " characters (expected: at least 16 characters)");
            }
        }
        Checks.atLeast("http.max-body-bytes", maxBodyBytes, 256);
    }

    @Override
    public String toString() {
        return "HttpConfig[apiKeys=" + apiKeys.size() + " configured, maxBodyBytes=" + maxBodyBytes + "]";
    }
}
