package dev.ferry.server.transport;

import dev.ferry.server.http.HttpRequestDeadline;
import dev.ferry.server.http.HttpRouter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;

/**
 * Builds the pipeline of an accepted connection; it starts as HTTP/1.1 and the router may switch it to WebSocket:
 * <pre>
 *   http-codec → http-aggregator → http-deadline → http-router
 * </pre>
 */
public final class FerryChannelInitializer extends ChannelInitializer<SocketChannel> {
    private final ServerContext server;

    public FerryChannelInitializer(ServerContext server) {
        this.server = server;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        server.register(ch);
        if (!server.security().connections().admit(ch)) {
            server.security().counters().connectionRefused();
            ch.attr(ServerContext.OVER_CONNECTION_LIMIT).set(Boolean.TRUE);
        }
        ChannelPipeline p = ch.pipeline();
        p.addLast(HandlerNames.HTTP_CODEC, new HttpServerCodec());
        p.addLast(HandlerNames.HTTP_AGGREGATOR, new HttpObjectAggregator(server.config().http().maxBodyBytes()));
        p.addLast(HandlerNames.HTTP_DEADLINE, new HttpRequestDeadline(server.config().websocket().handshakeTimeout().toMillis()));
        p.addLast(HandlerNames.HTTP_ROUTER, new HttpRouter(server));
    }
}
