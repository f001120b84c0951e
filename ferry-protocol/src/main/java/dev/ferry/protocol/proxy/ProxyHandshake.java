package dev.ferry.protocol.proxy;

import java.util.List;

/**
 * One tunnel through an HTTP proxy ({@code CONNECT host:port}, RFC 9110 §9.3.6) as a plain state machine: what to
 * send, and what each answer of the proxy means. The socket code around it (Netty in {@code ferry tunnel}, blocking
 * sockets in the Java client) only moves bytes.
 *
 * <p>Authentication: on {@code 407} with credentials configured, the proxy's Basic or Digest challenge is answered
 * once ({@link ProxyAuth}). When the proxy keeps the connection open the answer goes on it; when it closes it, on a
 * new connection. A second {@code 407} fails: the credentials are wrong. Not thread-safe: one per tunnel being opened.
 */
public final class ProxyHandshake {
    /** What the proxy's answer asks of the caller. */
    public sealed interface Step {
    }

    /** {@code 2xx}: the tunnel is open; what follows on the connection is the target's. */
    public record Established() implements Step {
    }

    /**
     * Send the {@code CONNECT} again, now with {@link #authorization()}: on the same connection when
     * {@code sameConnection}, else on a new one (the proxy closes this one).
     */
    public record Again(boolean sameConnection) implements Step {
    }

    /** The proxy refused; {@code reason} names the proxy, the target and the status. */
    public record Failed(String reason) implements Step {
    }

    private final String authority;
    private final ProxySettings proxy;
    private String authorization;
    private boolean challengeAnswered;

    /**
     * @param authority the target, {@code host:port} ({@code [v6]:port})
     * @param proxy the proxy and its credentials
     * @param authorization a {@code Proxy-Authorization} value to send with the first {@code CONNECT} (an answer
     *     kept from an earlier connection), or null
     */
    public ProxyHandshake(String authority, ProxySettings proxy, String authorization) {
        this.authority = authority;
        this.proxy = proxy;
        this.authorization = authorization;
        this.challengeAnswered = authorization != null;
    }

    public String authority() {
        return authority;
    }

    /** The {@code Proxy-Authorization} value the next {@code CONNECT} carries, or null for none. */
    public String authorization() {
        return authorization;
    }

    /** The next {@code CONNECT} request, head only (it has no body), for code that writes bytes itself. */
    public String requestHead() {
        return "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\nProxy-Connection: keep-alive\r\n"
                + (authorization == null ? "" : "Proxy-Authorization: " + authorization + "\r\n") + "\r\n";
    }

    /**
     * What the proxy's answer to the last {@code CONNECT} means.
     *
     * @param status the status code
     * @param statusText the status as the proxy gave it, for messages (e.g. {@code 407 Proxy Authentication Required})
     * @param challenges the values of every {@code Proxy-Authenticate} header
     * @param keepAlive whether the proxy keeps the connection open after this answer
     */
    public Step onResponse(int status, String statusText, List<String> challenges, boolean keepAlive) {
        if (status >= 200 && status < 300) {
            return new Established();
        }
        String refused = "proxy " + proxy.host() + ":" + proxy.port() + " refused CONNECT " + authority + ": " + statusText;
        if (status != 407) {
            return new Failed(refused);
        }
        if (!proxy.hasCredentials() || challengeAnswered) {
            return new Failed(refused + (proxy.hasCredentials() ? " (credentials rejected)" : " (no proxy credentials given)"));
        }
        challengeAnswered = true;
        String answer = ProxyAuth.answer(challenges, proxy.user(), proxy.password(), "CONNECT", authority);
        if (answer == null) {
            return new Failed("proxy " + proxy.host() + ":" + proxy.port() + " demands an authentication scheme other"
                    + " than Basic or Digest: " + challenges);
        }
        authorization = answer;
        return new Again(keepAlive);
    }
}
