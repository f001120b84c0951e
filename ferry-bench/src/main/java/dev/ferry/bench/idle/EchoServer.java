package dev.ferry.bench.idle;

import dev.ferry.bench.fanout.ClientChannelInitializer;
import dev.ferry.bench.fanout.ClientTransport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.InetSocketAddress;

/**
 * The reference of the {@code rpc} run: a raw Netty WebSocket server that writes every text message back as it
 * came (subprotocol ferry.v1, which the bench clients ask for), flushing at once. The least a WebSocket round trip costs on this machine with this Netty.
 */
final class EchoServer implements AutoCloseable {
    /** Echoes text frames; everything else is handled by the protocol handler in front of it. */
    @ChannelHandler.Sharable
    private static final class Echo extends SimpleChannelInboundHandler<TextWebSocketFrame> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame msg) {
            ctx.writeAndFlush(msg.retain());
        }
    }

    private final EventLoopGroup loops;
    private final Channel server;

    /** Binds 127.0.0.1:{@code port} (0: any free port) with {@code threads} event loops. */
    EchoServer(int port, int threads) throws InterruptedException {
        this.loops = ClientTransport.select().newGroup(threads, "echo");
        Echo echo = new Echo();
        this.server = new ServerBootstrap()
                .group(loops)
                .channel(Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpObjectAggregator(65536))
                                .addLast(new WebSocketServerProtocolHandler("/echo", ClientChannelInitializer.SUBPROTOCOL))
                                .addLast(echo);
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        loops.shutdownGracefully().awaitUninterruptibly();
    }
}
