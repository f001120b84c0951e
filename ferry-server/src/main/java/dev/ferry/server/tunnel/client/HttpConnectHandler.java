package dev.ferry.server.tunnel.client;

import dev.ferry.protocol.proxy.ProxyHandshake;
import dev.ferry.protocol.proxy.ProxySettings;
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
 * fires it once the proxy answers 2xx, after removing itself and the HTTP codec it used. What each answer means,
 * authentication included, is {@link ProxyHandshake}'s: if the proxy closes the connection with its 407,
 * {@link #retryAuthorization()} holds the answer for a new connection to send up front.
 */
final class HttpConnectHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(HttpConnectHandler.class);

    // ---- event loop only
    private final ProxyHandshake handshake;
    private String retryAuthorization;

    /** {@code authorization}: a {@code Proxy-Authorization} value to send with the first CONNECT, or null. */
    HttpConnectHandler(String authority, ProxySettings proxy, String authorization) {
        this.handshake = new ProxyHandshake(authority, proxy, authorization);
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
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.CONNECT, handshake.authority());
        req.headers().set(HttpHeaderNames.HOST, handshake.authority());
        req.headers().set("Proxy-Connection", "keep-alive");
        if (handshake.authorization() != null) {
            req.headers().set(HttpHeaderNames.PROXY_AUTHORIZATION, handshake.authorization());
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
            ProxyHandshake.Step step = handshake.onResponse(resp.status().code(), resp.status().toString(),
                    resp.headers().getAll(HttpHeaderNames.PROXY_AUTHENTICATE), HttpUtil.isKeepAlive(resp));
            if (step instanceof ProxyHandshake.Established) {
                established(ctx);
            } else if (step instanceof ProxyHandshake.Again again && again.sameConnection()) {
                sendConnect(ctx);
            } else if (step instanceof ProxyHandshake.Again) {
                retryAuthorization = handshake.authorization();
                ctx.close();
            } else if (step instanceof ProxyHandshake.Failed failed) {
                log.warn("{}", failed.reason());
                ctx.close();
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
}
