package dev.ferry.bench.peers;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Minimal raw-Netty WebSocket servers, the references Ferry is measured against: {@link Kind#BROADCAST} sends
 * every text message it receives to every connection (the JVM's ceiling for fan-out on this machine) and {@link
 * Kind#ECHO} sends every message back to its sender (the reference for request/response latency). Any path is
 * accepted, no subprotocol, epoll when available.
 *
 * <p>The broadcast encodes the RFC 6455 frame once and hands each event loop one task per batch: the task writes a
 * {@code retainedDuplicate()} of every pending frame to each of its loop's connections (past the frame encoder,
 * as already-encoded bytes) and flushes each connection once. There is no outbound bound: a reference for speed,
 * not a production server.
 */
public final class NettyReferenceServer implements AutoCloseable {
    public enum Kind { BROADCAST, ECHO }

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel server;

    private NettyReferenceServer(EventLoopGroup boss, EventLoopGroup workers, Channel server) {
        this.boss = boss;
        this.workers = workers;
        this.server = server;
    }

    /** Starts a server of {@code kind} on {@code host:port} (0: any free port) with {@code threads} loops (0: cores). */
    public static NettyReferenceServer start(Kind kind, String host, int port, int threads) throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("ref-accept", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(n, new DefaultThreadFactory("ref-io", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Class<? extends ServerChannel> channel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        Hub hub = new Hub();
        WebSocketServerProtocolConfig config = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/")
                .checkStartsWith(true)
                .maxFramePayloadLength(1 << 20)
                .build();
        Channel server = new ServerBootstrap()
                .group(boss, workers)
                .channel(channel)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast("http-codec", new HttpServerCodec())
                                .addLast("http-aggregator", new HttpObjectAggregator(64 * 1024))
                                .addLast("websocket", new WebSocketServerProtocolHandler(config))
                                .addLast("websocket-aggregator", new WebSocketFrameAggregator(1 << 20))
                                .addLast("application", kind == Kind.BROADCAST ? new BroadcastHandler(hub) : new EchoHandler());
                    }
                })
                .bind(new InetSocketAddress(host, port)).sync().channel();
        return new NettyReferenceServer(boss, workers, server);
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    /** An unmasked, final RFC 6455 text frame (opcode 1) around {@code payload}, encoded once. */
    static ByteBuf encodeText(ByteBufAllocator alloc, ByteBuf payload) {
        int length = payload.readableBytes();
        ByteBuf frame = alloc.buffer(length + 10);
        frame.writeByte(0x81);
        if (length < 126) {
            frame.writeByte(length);
        } else if (length < 65536) {
            frame.writeByte(126).writeShort(length);
        } else {
            frame.writeByte(127).writeLong(length);
        }
        frame.writeBytes(payload, payload.readerIndex(), length);
        return frame;
    }

    /** The connections of every event loop, and each loop's frames waiting to be written to them. */
    static final class Hub {
        private final ConcurrentHashMap<EventLoop, Members> byLoop = new ConcurrentHashMap<>();

        void add(Channel ch) {
            members(ch.eventLoop()).channels.add(ch);
        }

        void remove(Channel ch) {
            members(ch.eventLoop()).channels.remove(ch);
        }

        private Members members(EventLoop loop) {
            return byLoop.computeIfAbsent(loop, Members::new);
        }

        /** Sends {@code frame} (already encoded) to every connection; takes ownership of it. */
        void broadcast(ByteBuf frame) {
            try {
                for (Members m : byLoop.values()) {
                    m.enqueue(frame.retainedDuplicate());
                }
            } finally {
                frame.release();
            }
        }
    }

    /** One event loop's connections. */
    private static final class Members {
        private final EventLoop loop;
        private final Queue<ByteBuf> pending = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean scheduled = new AtomicBoolean();
        private final Runnable drain = this::drain;

        // ---- event loop only
        private final Set<Channel> channels = new HashSet<>();

        Members(EventLoop loop) {
            this.loop = loop;
        }

        void enqueue(ByteBuf frame) {
            pending.add(frame);
            if (scheduled.compareAndSet(false, true)) {
                loop.execute(drain);
            }
        }

        private void drain() {
            assert loop.inEventLoop();
            scheduled.set(false);
            List<ByteBuf> frames = new ArrayList<>();
            for (ByteBuf f; (f = pending.poll()) != null; ) {
                frames.add(f);
            }
            try {
                for (Channel ch : channels) {
                    if (!ch.isActive()) {
                        continue;
                    }
                    for (ByteBuf f : frames) {
                        ch.write(f.retainedDuplicate(), ch.voidPromise());
                    }
                    ch.flush();
                }
            } finally {
                for (ByteBuf f : frames) {
                    f.release();
                }
            }
        }
    }

    private static final class BroadcastHandler extends ChannelInboundHandlerAdapter {
        private final Hub hub;

        BroadcastHandler(Hub hub) {
            this.hub = hub;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                hub.add(ctx.channel());
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof TextWebSocketFrame text) {
                    hub.broadcast(encodeText(ctx.alloc(), text.content()));
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            hub.remove(ctx.channel());
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static final class EchoHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof WebSocketFrame) {
                ctx.write(msg, ctx.voidPromise());
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
