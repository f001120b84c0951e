package dev.ferry.server.config;

import java.net.URI;

/** The URLs of backend hooks as configuration gives them. */
final class HookUrls {
    private HookUrls() {
    }

    /** Checks that {@code url} is an absolute {@code http} or {@code https} URL with a host. */
    static URI check(String key, URI url) {
        Checks.notNull(key, url);
        String scheme = url.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
            throw new ConfigException(key + ": \"" + url + "\" (expected: an http:// or https:// URL with a host)");
        }
        return url;
    }

    /** {@code value} as a URL, or null when it is null or blank. */
    static URI parse(String key, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return check(key, new URI(value.trim()));
        } catch (java.net.URISyntaxException e) {
            throw new ConfigException(key + ": \"" + value + "\" is not a URL (" + e.getReason() + ")");
        }
    }
}
