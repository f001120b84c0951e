package dev.ferry.server.tunnel.client;

import dev.ferry.server.transport.HandlerNames;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a tunnel through an HTTP proxy (RFC 9110 section 9.3.6, {@code CONNECT host:port}) before anything else
 * on the channel speaks. It holds back {@code channelActive} from the handlers behind it (TLS, WebSocket) and
 * fires it once the proxy answers 2xx, after removing itself and the HTTP codec it used.
 *
 * <p>Authentication: on 407 with credentials configured, it answers the proxy's Basic or Digest challenge once.
 * If the proxy keeps the connection open it asks again on it; if the proxy closes it, {@link #retryAuthorization()}
 * holds the answer for a new connection to send up front.
 */
final class HttpConnectHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(HttpConnectHandler.class);

    private final String authority;
    private final ProxySettings proxy;

    // ---- event loop only
    private String authorization;
    private boolean challengeAnswered;
    private String retryAuthorization;

    /** {@code authorization}: a {@code Proxy-Authorization} value to send with the first CONNECT, or null. */
    HttpConnectHandler(String authority, ProxySettings proxy, String authorization) {
        this.authority = authority;
        this.proxy = proxy;
        this.authorization = authorization;
        this.challengeAnswered = authorization != null;
    }

    /** The answer to send on a new connection, after the proxy closed this one with its 407; else null. */
    String retryAuthorization() {
        return retryAuthorization;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        sendConnect(ctx);
    }

    private void sendConnect(ChannelHandlerContext ctx) {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.CONNECT, authority);
        req.headers().set(HttpHeaderNames.HOST, authority);
        req.headers().set("Proxy-Connection", "keep-alive");
        if (authorization != null) {
            req.headers().set(HttpHeaderNames.PROXY_AUTHORIZATION, authorization);
        }
        ctx.writeAndFlush(req);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpResponse resp)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            int status = resp.status().code();
            if (status >= 200 && status < 300) {
                established(ctx);
            } else if (status == 407 && proxy.hasCredentials() && !challengeAnswered) {
                challengeAnswered = true;
                String answer = ProxyAuth.answer(resp.headers().getAll(HttpHeaderNames.PROXY_AUTHENTICATE),
                        proxy.user(), proxy.password(), "CONNECT", authority);
                if (answer == null) {
                    fail(ctx, "proxy " + proxy.host() + ":" + proxy.port() + " demands an authentication scheme other than"
                            + " Basic or Digest: " + resp.headers().getAll(HttpHeaderNames.PROXY_AUTHENTICATE));
                } else if (HttpUtil.isKeepAlive(resp)) {
                    authorization = answer;
                    sendConnect(ctx);
                } else {
                    retryAuthorization = answer;
                    ctx.close();
                }
            } else if (status == 407) {
                fail(ctx, "proxy " + proxy.host() + ":" + proxy.port() + " refused CONNECT " + authority + ": " + resp.status()
                        + (proxy.hasCredentials() ? " (credentials rejected)" : " (no proxy credentials given)"));
            } else {
                fail(ctx, "proxy " + proxy.host() + ":" + proxy.port() + " refused CONNECT " + authority + ": " + resp.status());
            }
        } finally {
            resp.release();
        }
    }

    private static void established(ChannelHandlerContext ctx) {
        ChannelPipeline p = ctx.pipeline();
        p.remove(HandlerNames.PROXY_HTTP_CODEC);
        p.remove(HandlerNames.PROXY_AGGREGATOR);
        ctx.fireChannelActive();
        p.remove(ctx.handler());
    }

    private static void fail(ChannelHandlerContext ctx, String why) {
        log.warn("{}", why);
        ctx.close();
    }
}
