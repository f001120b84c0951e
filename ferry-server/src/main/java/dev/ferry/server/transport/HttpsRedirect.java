package dev.ferry.server.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.NetUtil;

/**
 * Answers every plain-HTTP request on a TLS port with {@code 308 Permanent Redirect} to the same URL over https,
 * then closes. Nothing is passed on: a plain connection never reaches an endpoint.
 *
 * <p>The redirect is built from the request's {@code Host} and target, so both are checked first, and a request
 * whose {@code Host} is not {@code host[:port]} or whose target is not a path is answered {@code 400} with the
 * JSON error body: otherwise {@code Host: evil.example/x?} (or a target like {@code @evil.example/}) would point the
 * {@code Location} at another site.
 */
final class HttpsRedirect extends SimpleChannelInboundHandler<FullHttpRequest> {
    /** RFC 1035 §2.3.4: at most 255 octets on the wire, so 253 characters in dotted form. */
    private static final int MAX_HOST_NAME = 253;
    private static final int MAX_LABEL = 63;

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        String host = req.headers().get(HttpHeaderNames.HOST);
        String target = req.uri();
        FullHttpResponse r;
        if (host == null || !isHostAndPort(host)) {
            r = HttpResponses.error(HttpResponseStatus.BAD_REQUEST, "bad_request",
                    "Host header missing or not host[:port] (expected: a DNS name, an IPv4 address or a bracketed"
                            + " IPv6 address, then optionally ':' and a port 1-65535)");
        } else if (!isOriginForm(target)) {
            r = HttpResponses.error(HttpResponseStatus.BAD_REQUEST, "bad_request",
                    "request target is not a path (expected: '/' then printable ASCII, as in origin-form)");
        } else {
            r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.PERMANENT_REDIRECT, Unpooled.EMPTY_BUFFER);
            r.headers().set(HttpHeaderNames.LOCATION, "https://" + host + target);
            HttpUtil.setContentLength(r, 0);
        }
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * Whether {@code value} is {@code host [ ":" port ]} (RFC 9110 §7.2, RFC 3986 §3.2.2-3.2.3) with the host a DNS
     * name (letters, digits and hyphens in dot-separated labels of 1 to 63 characters, none starting or ending with
     * a hyphen), an IPv4 address in dotted-decimal form, or an IPv6 address in brackets without a zone, and the port,
     * when present, 1 to 65535 in decimal.
     */
    static boolean isHostAndPort(String value) {
        String host;
        String port = null;
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            if (close < 0) {
                return false;
            }
            String v6 = value.substring(1, close);
            if (v6.indexOf('%') >= 0 || !NetUtil.isValidIpV6Address(v6)) {
                return false;
            }
            if (close + 1 < value.length()) {
                if (value.charAt(close + 1) != ':') {
                    return false;
                }
                port = value.substring(close + 2);
            }
            return port == null || isPort(port);
        }
        int colon = value.indexOf(':');
        if (colon >= 0) {
            host = value.substring(0, colon);
            port = value.substring(colon + 1);
        } else {
            host = value;
        }
        return isHostName(host) && (port == null || isPort(port));
    }

    private static boolean isPort(String s) {
        if (s.isEmpty() || s.length() > 5) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        int p = Integer.parseInt(s);
        return p >= 1 && p <= 65535;
    }

    /**
     * A DNS name, or an IPv4 address: a name whose last label is all digits is taken as an address (as URL parsers
     * do), so it must be a valid one.
     */
    private static boolean isHostName(String s) {
        if (s.isEmpty() || s.length() > MAX_HOST_NAME) {
            return false;
        }
        int labelStart = 0;
        boolean lastAllDigits = false;
        for (int i = 0; i <= s.length(); i++) {
            if (i == s.length() || s.charAt(i) == '.') {
                int len = i - labelStart;
                if (len == 0 || len > MAX_LABEL || s.charAt(labelStart) == '-' || s.charAt(i - 1) == '-') {
                    return false;
                }
                lastAllDigits = true;
                for (int j = labelStart; j < i; j++) {
                    lastAllDigits &= s.charAt(j) >= '0' && s.charAt(j) <= '9';
                }
                labelStart = i + 1;
                continue;
            }
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
            if (!ok) {
                return false;
            }
        }
        return !lastAllDigits || NetUtil.isValidIpV4Address(s);
    }

    /** {@code origin-form} (RFC 9112 §3.2.1): an absolute path and an optional query, printable ASCII only. */
    static boolean isOriginForm(String target) {
        if (target.isEmpty() || target.charAt(0) != '/') {
            return false;
        }
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }
}
