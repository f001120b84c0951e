package dev.ferry.server.config;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A named HTTP API key with its own permissions ({@code http.api-keys.<name>.key} and {@code .allow}).
 *
 * @param name the key's name, as logs and error messages show it (never the key itself)
 * @param key the secret, at least 16 characters
 * @param allow grants {@code <actions> <pattern>}, e.g. {@code publish+call orders.#}; at least one. Their grammar
 *     is checked where they are parsed, by {@code auth.Authenticator}, which refuses a bad one with a
 *     {@link ConfigException} naming the key's {@code allow}
 */
public record ApiKeyConfig(String name, String key, List<String> allow) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    public ApiKeyConfig {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ConfigException("http.api-keys: name \"" + name + "\" (expected: letters, digits, _ or -)");
        }
        String k = "http.api-keys." + name;
        if (key == null || key.length() < 16) {
            throw new ConfigException(k + ".key: " + (key == null ? "missing" : "a key of " + key.length() + " characters")
                    + " (expected: at least 16 characters)");
        }
        allow = List.copyOf(Checks.notNull(k + ".allow", allow));
        if (allow.isEmpty()) {
            throw new ConfigException(k + ".allow: empty (expected: at least one grant such as \"publish orders.#\")");
        }
    }

    @Override
    public String toString() {
        return "ApiKeyConfig[" + name + ", key=***, allow=" + allow + "]";
    }
}
