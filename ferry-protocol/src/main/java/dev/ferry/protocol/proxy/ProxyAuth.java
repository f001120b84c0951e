package dev.ferry.protocol.proxy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Answers to a proxy's {@code Proxy-Authenticate} challenge: Basic (RFC 7617) and Digest (RFC 7616, algorithms
 * MD5 and SHA-256, qop {@code auth} or none). A plain class, tested without sockets.
 */
public final class ProxyAuth {
    private static final SecureRandom RANDOM = new SecureRandom();

    private ProxyAuth() {
    }

    /**
     * The {@code Proxy-Authorization} value answering the strongest challenge we support among
     * {@code challenges} (the values of every {@code Proxy-Authenticate} header), or {@code null} if none is.
     */
    public static String answer(Iterable<String> challenges, String user, String password, String method, String uri) {
        String basic = null;
        for (String c : challenges) {
            String scheme = c.trim().split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
            if (scheme.equals("digest")) {
                String d = digest(c, user, password, method, uri, hex(RANDOM.nextLong()));
                if (d != null) {
                    return d;
                }
            } else if (scheme.equals("basic")) {
                basic = basic(user, password);
            }
        }
        return basic;
    }

    /** {@code Basic base64(user:password)}; RFC 7617 says UTF-8 where the server asks for it, we always use it. */
    public static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The Digest answer to {@code challenge} (a {@code Proxy-Authenticate: Digest ...} value), or {@code null}
     * when it asks for an algorithm or qop we do not support. RFC 7616 section 3.4.1:
     * {@code response = H(H(user:realm:password):nonce:nc:cnonce:qop:H(method:uri))}, or without qop
     * {@code H(HA1:nonce:HA2)}.
     */
    public static String digest(String challenge, String user, String password, String method, String uri, String cnonce) {
        Map<String, String> p = params(challenge.trim().substring("Digest".length()));
        String realm = p.getOrDefault("realm", "");
        String nonce = p.get("nonce");
        if (nonce == null) {
            return null;
        }
        String algorithm = p.getOrDefault("algorithm", "MD5");
        String javaAlgorithm = switch (algorithm.toUpperCase(Locale.ROOT)) {
            case "MD5" -> "MD5";
            case "SHA-256" -> "SHA-256";
            default -> null;
        };
        if (javaAlgorithm == null) {
            return null;
        }
        String qop = null;
        if (p.containsKey("qop")) {
            for (String q : p.get("qop").split(",")) {
                if (q.trim().equals("auth")) {
                    qop = "auth";
                }
            }
            if (qop == null) {
                return null;
            }
        }
        String nc = "00000001";
        String ha1 = h(javaAlgorithm, user + ":" + realm + ":" + password);
        String ha2 = h(javaAlgorithm, method + ":" + uri);
        String response = qop == null
                ? h(javaAlgorithm, ha1 + ":" + nonce + ":" + ha2)
                : h(javaAlgorithm, ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + ha2);
        StringBuilder b = new StringBuilder("Digest username=").append(quote(user))
                .append(", realm=").append(quote(realm))
                .append(", nonce=").append(quote(nonce))
                .append(", uri=").append(quote(uri))
                .append(", algorithm=").append(algorithm);
        if (qop != null) {
            b.append(", qop=").append(qop).append(", nc=").append(nc).append(", cnonce=").append(quote(cnonce));
        }
        b.append(", response=").append(quote(response));
        if (p.containsKey("opaque")) {
            b.append(", opaque=").append(quote(p.get("opaque")));
        }
        return b.toString();
    }

    /** Parses {@code a="x, y", b=z} (auth-params; quoted strings may contain commas and backslash escapes). */
    public static Map<String, String> params(String s) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && (s.charAt(i) == ',' || Character.isWhitespace(s.charAt(i)))) {
                i++;
            }
            int eq = s.indexOf('=', i);
            if (eq < 0) {
                break;
            }
            String name = s.substring(i, eq).trim().toLowerCase(Locale.ROOT);
            i = eq + 1;
            StringBuilder v = new StringBuilder();
            if (i < n && s.charAt(i) == '"') {
                i++;
                while (i < n && s.charAt(i) != '"') {
                    if (s.charAt(i) == '\\' && i + 1 < n) {
                        i++;
                    }
                    v.append(s.charAt(i++));
                }
                i++;
            } else {
                while (i < n && s.charAt(i) != ',') {
                    v.append(s.charAt(i++));
                }
            }
            out.put(name, v.toString().trim());
        }
        return out;
    }

    static String h(String algorithm, String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String hex(long v) {
        return HexFormat.of().toHexDigits(v);
    }
}
