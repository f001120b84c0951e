package dev.ferry.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.testing.ManualClock;
import dev.ferry.server.testing.WsTestClient;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The lingering close on a real loopback socket, timed by a manual clock: the peer reads the last bytes and the end
 * of the stream, may go on sending, and the connection closes once the linger has passed on the clock.
 */
class LingeringCloseTest {
    private final ManualClock clock = new ManualClock();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @AfterEach
    void stop() throws Exception {
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
    }

    @Test
    void theConnectionLingersUntilTheClockPassesTheLinger() throws Exception {
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        Channel server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        accepted.complete(ctx.channel());
                        ctx.writeAndFlush(Unpooled.copiedBuffer("bye", StandardCharsets.US_ASCII))
                                .addListener(LingeringClose.on(clock));
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg); // read and discarded while lingering
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        try (Socket client = new Socket()) {
            client.connect((InetSocketAddress) server.localAddress(), (int) WsTestClient.TIMEOUT.toMillis());
            client.setSoTimeout((int) WsTestClient.TIMEOUT.toMillis());
            InputStream in = client.getInputStream();
            assertThat(new String(in.readNBytes(3), StandardCharsets.US_ASCII)).isEqualTo("bye");
            assertThat(in.read()).isEqualTo(-1); // the output is shut down: the peer sees the end of the stream
            Channel ch = accepted.get(WsTestClient.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            OutputStream out = client.getOutputStream();
            out.write(new byte[1024]); // the rest of a message the server no longer wants: read, not reset
            out.flush();
            clock.awaitTimers("linger", 1);
            clock.advance(Duration.ofMillis(LingeringClose.LINGER_MS - 1));
            assertThat(ch.isOpen()).isTrue();
            clock.advance(Duration.ofMillis(1));
            assertThat(ch.closeFuture().await(WsTestClient.TIMEOUT.toMillis())).isTrue();
            assertThat(clock.timers()).isZero();
        } finally {
            server.close().sync();
        }
    }
}
