package dev.ferry.server.config;

import java.util.List;

/**
 * The HTTP API.
 *
 * @param apiKeys keys accepted by {@code POST /v1/publish/...} and {@code POST /v1/call/...} as
 *     {@code Authorization: Bearer <key>}; with none configured those endpoints answer 403 (default: none)
 * @param maxBodyBytes largest request body accepted (default 1 MiB)
 * @param namedKeys named keys with their own permissions ({@code http.api-keys.<name>.key} and {@code .allow});
 *     the plain {@code apiKeys} are allowed everything (default: none)
 */
public record HttpConfig(List<String> apiKeys, int maxBodyBytes, List<ApiKeyConfig> namedKeys) {
    public static final HttpConfig DEFAULT = new HttpConfig(List.of(), 1 << 20);

    /** Plain keys only, each allowed everything. */
    public HttpConfig(List<String> apiKeys, int maxBodyBytes) {
        this(apiKeys, maxBodyBytes, List.of());
    }

    public HttpConfig {
        apiKeys = List.copyOf(Checks.notNull("http.api-keys", apiKeys));
        for (String k : apiKeys) {
            if (k.length() < 16) {
                throw new ConfigException("http.api-keys: a key of " + k.length()
                        + " characters (expected: at least 16 characters)");
            }
        }
        Checks.declared("http.max-body-bytes", maxBodyBytes);
        namedKeys = List.copyOf(Checks.notNull("http.api-keys", namedKeys));
        java.util.Set<String> keys = new java.util.HashSet<>(apiKeys);
        for (ApiKeyConfig k : namedKeys) {
            if (!keys.add(k.key())) {
                throw new ConfigException("http.api-keys." + k.name() + ".key: the same key is configured twice");
            }
        }
    }

    @Override
    public String toString() {
        return "HttpConfig[apiKeys=" + apiKeys.size() + " configured, maxBodyBytes=" + maxBodyBytes
                + ", namedKeys=" + namedKeys + "]";
    }
}
