package dev.ferry.bench.peers;

import dev.ferry.bench.fanout.ClientChannelInitializer;
import dev.ferry.bench.fanout.ClientHandlerNames;
import dev.ferry.bench.fanout.ClientTransport;
import dev.ferry.bench.fanout.Loopback;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;

/**
 * The client side of a peer run: event loops, and connections to one peer speaking its codec, set up many at a
 * time from loopback source addresses 127.0.0.1..N. {@link #close()} closes every connection and loop it made.
 */
public final class PeerClients implements AutoCloseable {
    /** Connections per loopback source address when none is given. */
    static final int CONNECTIONS_PER_SOURCE_ADDRESS = 16_000;
    private static final long STALL_SECONDS = 120;

    private final PeerCodec codec;
    private final URI url;
    private final InetSocketAddress server;
    private final ClientTransport transport = ClientTransport.select();
    private final EventLoopGroup loops;
    private final EventLoopGroup soloLoop;
    private final Bootstrap bootstrap;
    private final Bootstrap soloBootstrap;
    private final ChannelGroup channels = new DefaultChannelGroup("peers", GlobalEventExecutor.INSTANCE);
    private final int threads;

    /**
     * Clients of the peer at {@code base} (e.g. {@code ws://127.0.0.1:8080}; the codec's path is appended), on
     * {@code threads} event loops (0: one per core), plus one loop of its own for the publisher.
     */
    public PeerClients(PeerCodec codec, URI base, int threads) {
        this.codec = codec;
        this.url = URI.create(base.toString().replaceAll("/+$", "") + codec.path());
        Loopback.checkUrl(url);
        this.server = Loopback.serverAddress(url);
        this.threads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        this.loops = transport.newGroup(this.threads, "peer-client");
        this.soloLoop = transport.newGroup(1, "peer-solo");
        this.bootstrap = transport.bootstrap(loops);
        this.soloBootstrap = transport.bootstrap(soloLoop);
    }

    public URI url() {
        return url;
    }

    public PeerCodec codec() {
        return codec;
    }

    public int threads() {
        return threads;
    }

    public String transport() {
        return transport.name();
    }

    /** Source addresses for {@code connections}: {@code requested}, or one per 16,000 connections. */
    static int sources(int requested, int connections) {
        if (requested > 0) {
            return Math.min(requested, Loopback.MAX_SOURCE_ADDRESSES);
        }
        return Math.max(1, Math.min(Loopback.MAX_SOURCE_ADDRESSES,
                (connections + CONNECTIONS_PER_SOURCE_ADDRESS - 1) / CONNECTIONS_PER_SOURCE_ADDRESS));
    }

    /** One connection on the publisher's own event loop, ready (handshake acknowledged) when this returns. */
    public PeerHandler connectSolo(PeerHandler.Listener listener) throws IOException, InterruptedException {
        PeerHandler handler = new PeerHandler(codec, null, listener);
        Channel ch = soloBootstrap.clone()
                .handler(new ClientChannelInitializer(url, codec.subprotocol(), () -> handler))
                .connect(server, Loopback.source(0, 1)).sync().channel();
        channels.add(ch);
        await(handler.whenReady(), 30, "connection to " + url);
        return handler;
    }

    /**
     * Opens {@code count} connections, at most {@code concurrency} being set up at once, round-robin over
     * {@code sources} source addresses; connection {@code i} subscribes to {@code topics.apply(i)} (peer
     * spelling; null: none). Returns once every one is subscribed (or ready); fails on the first that is not.
     */
    public List<PeerHandler> connect(int count, IntFunction<String> topics, PeerHandler.Listener listener,
            int concurrency, int sources, PrintStream progress) throws IOException, InterruptedException {
        List<PeerHandler> handlers = Collections.synchronizedList(new ArrayList<>(count));
        int slotsTotal = Math.max(1, Math.min(concurrency, count));
        Semaphore slots = new Semaphore(slotsTotal);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        LongAdder done = new LongAdder();
        int step = Math.max(1, count / 10);
        for (int i = 0; i < count && failure.get() == null; i++) {
            if (!slots.tryAcquire(STALL_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException("connections stalled (" + done.sum() + " of " + count + " set up)");
            }
            String topic = topics.apply(i);
            PeerHandler handler = new PeerHandler(codec, topic, listener);
            InetSocketAddress source = Loopback.source(i, sources);
            ChannelFuture connect = bootstrap.clone()
                    .handler(new ClientChannelInitializer(url, codec.subprotocol(), () -> handler))
                    .connect(server, source);
            connect.addListener(f -> {
                if (!f.isSuccess()) {
                    failure.compareAndSet(null, new IOException("connect from " + source + ": " + f.cause(), f.cause()));
                    slots.release();
                    return;
                }
                channels.add(connect.channel());
                CompletableFuture<Void> up = topic != null ? handler.whenSubscribed() : handler.whenReady();
                up.whenComplete((ok, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    } else {
                        handlers.add(handler);
                        done.increment();
                    }
                    slots.release();
                });
            });
            if (progress != null && count >= 1000 && (i + 1) % step == 0) {
                progress.printf("  connecting: %d/%d started, %d up%n", i + 1, count, done.sum());
            }
        }
        if (!slots.tryAcquire(slotsTotal, STALL_SECONDS, TimeUnit.SECONDS)) {
            throw new IOException("connections stalled (" + done.sum() + " of " + count + " set up)");
        }
        Throwable e = failure.get();
        if (e != null) {
            throw new IOException("connection failed after " + done.sum() + " set up: " + e.getMessage(), e);
        }
        return handlers;
    }

    /** Connections currently open. */
    public int open() {
        return channels.size();
    }

    static void await(CompletableFuture<Void> f, long seconds, String what) throws IOException, InterruptedException {
        try {
            f.get(seconds, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException(what + " failed: " + (e.getCause() != null ? e.getCause() : e), e);
        }
    }

    @Override
    public void close() {
        channels.close().awaitUninterruptibly(10, TimeUnit.SECONDS);
        soloLoop.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
