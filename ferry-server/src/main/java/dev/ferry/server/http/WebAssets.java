package dev.ferry.server.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The files of the demo pages, of the admin console and of the browser build of ferry-js, served from the class path under {@code web/}
 * (ferry-js's sources are copied to {@code web/ferry-js/} at build time; they have one source of truth,
 * ferry-js/src). A file is read once, on its first request, and kept. Thread-safe.
 */
public final class WebAssets {
    /** Path segments of plain names only, so that no request can climb out of {@code web/}. */
    private static final Pattern SAFE = Pattern.compile("(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)+");
    private static final String ROOT = "web";

    /** One file: its bytes and content type. */
    public record Asset(byte[] bytes, String contentType) {
    }

    private final ConcurrentHashMap<String, Asset> cache = new ConcurrentHashMap<>();

    /**
     * The asset for a request path ({@code /} is {@code /index.html}, {@code /admin} the admin console's
     * {@code /admin.html}), or {@code null} when there is none.
     */
    public Asset get(String path) {
        String p = path.equals("/") ? "/index.html" : path.equals("/admin") ? "/admin.html" : path;
        if (!SAFE.matcher(p).matches() || p.contains("..")) {
            return null;
        }
        Asset a = cache.get(p);
        if (a != null) {
            return a;
        }
        a = load(p);
        if (a != null) {
            cache.putIfAbsent(p, a);
        }
        return a;
    }

    private static Asset load(String p) {
        String type = contentType(p);
        if (type == null) {
            return null;
        }
        try (InputStream in = WebAssets.class.getClassLoader().getResourceAsStream(ROOT + p)) {
            return in == null ? null : new Asset(in.readAllBytes(), type);
        } catch (IOException e) {
            return null;
        }
    }

    private static String contentType(String p) {
        String name = p.toLowerCase(Locale.ROOT);
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (name.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        if (name.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        if (name.endsWith(".svg")) {
            return "image/svg+xml";
        }
        if (name.endsWith(".ico")) {
            return "image/x-icon"; // /favicon.ico, which browsers ask for on every page
        }
        return null;
    }
}
