package dev.ferry.bench.idle;

import dev.ferry.bench.fanout.ClientChannelInitializer;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * One idle-connection measurement: baseline of the server process, K connections each subscribed to one topic,
 * a quiet hold with the server's heartbeats running, then the server's memory again.
 *
 * <p>Bounded: connecting stalls out after {@link #CONNECT_TIMEOUT_SECONDS} without progress, the hold lasts
 * {@code holdSeconds}, and every connection and event loop made here is closed before {@link #run} returns.
 */
final class IdleRun {
    private static final long CONNECT_TIMEOUT_SECONDS = 120;
    private static final double TICKS_PER_SECOND = 100;

    private final URI url;
    private final int connections;
    private final String topic;
    private final int sources;
    private final int concurrency;
    private final int clientThreads;
    private final int holdSeconds;
    private final ServerProbe probe;
    private final boolean gc;
    private final int histogramRows;
    private final boolean nativeMemory;
    private final PrintStream out;

    IdleRun(URI url, int connections, String topic, int sources, int concurrency, int clientThreads, int holdSeconds,
            ServerProbe probe, boolean gc, int histogramRows, boolean nativeMemory, PrintStream out) {
        this.url = url;
        this.connections = connections;
        this.topic = topic;
        this.sources = sources;
        this.concurrency = concurrency;
        this.clientThreads = clientThreads;
        this.holdSeconds = holdSeconds;
        this.probe = probe;
        this.gc = gc;
        this.histogramRows = histogramRows;
        this.nativeMemory = nativeMemory;
        this.out = out;
    }

    /** Runs the measurement; prints a report and one line of JSON; returns the connections closed by the server. */
    long run() throws IOException, InterruptedException {
        long rss0 = 0;
        long heap0 = 0;
        Map<String, long[]> histogram0 = null;
        if (probe != null) {
            if (histogramRows > 0) {
                histogram0 = probe.classHistogram();
            }
            if (gc) {
                probe.fullGc();
                heap0 = probe.heapUsedKib();
            }
            rss0 = probe.rssKib();
            if (nativeMemory) {
                probe.nativeMemoryBaseline();
            }
            out.printf("baseline: server RSS %,d KiB%s%n", rss0, gc ? String.format(", heap after GC %,d KiB", heap0) : "");
        }
        ClientTransport transport = ClientTransport.select();
        int threads = clientThreads > 0 ? clientThreads : Runtime.getRuntime().availableProcessors();
        EventLoopGroup loops = transport.newGroup(threads, "bench-idle");
        ChannelGroup channels = new DefaultChannelGroup("bench-idle", GlobalEventExecutor.INSTANCE);
        LongAdder closed = new LongAdder();
        try {
            Bootstrap b = transport.bootstrap(loops)
                    .handler(new ClientChannelInitializer(url, () -> new IdleHandler(topic, closed)));
            long start = System.nanoTime();
            connect(b, Loopback.serverAddress(url), channels);
            out.printf("%,d connections subscribed to %s in %.1f s (%s, %d source addresses, %d client threads)%n",
                    connections, topic, (System.nanoTime() - start) / 1e9, transport.name(), sources, threads);
            long rssConnected = probe != null ? probe.rssKib() : 0;
            long ticks0 = probe != null ? probe.cpuTicks() : 0;
            Thread.sleep(TimeUnit.SECONDS.toMillis(holdSeconds));
            long ticks1 = probe != null ? probe.cpuTicks() : 0;
            out.printf("held %d s idle: %,d closed by the server%n", holdSeconds, closed.sum());
            if (probe == null) {
                return closed.sum();
            }
            double cpuPercent = 100.0 * (ticks1 - ticks0) / TICKS_PER_SECOND / Math.max(1, holdSeconds);
            long heap1 = 0;
            if (gc) {
                probe.fullGc();
                heap1 = probe.heapUsedKib();
            }
            long rss1 = probe.rssKib();
            double rssPer = (rss1 - rss0) * 1024.0 / connections;
            double heapPer = (heap1 - heap0) * 1024.0 / connections;
            out.printf("server RSS %,d KiB (%,d KiB right after connecting): %,.0f bytes per connection%n", rss1,
                    rssConnected, rssPer);
            if (gc) {
                out.printf("server heap after GC %,d KiB: %,.0f bytes per connection%n", heap1, heapPer);
            }
            out.printf("server CPU while idle: %.2f %% of one core%n", cpuPercent);
            if (nativeMemory) {
                out.print(probe.nativeMemoryDiff());
            }
            if (histogram0 != null) {
                printHistogram(ServerProbe.growth(histogram0, probe.classHistogram(), histogramRows));
            }
            out.printf("{\"connections\":%d,\"rssKib\":%d,\"baselineRssKib\":%d,\"rssBytesPerConnection\":%.0f,"
                    + "\"heapKib\":%d,\"baselineHeapKib\":%d,\"heapBytesPerConnection\":%.0f,\"idleCpuPercent\":%.2f,"
                    + "\"closedByServer\":%d}%n", connections, rss1, rss0, rssPer, heap1, heap0, gc ? heapPer : 0,
                    cpuPercent, closed.sum());
            return closed.sum();
        } finally {
            channels.close().awaitUninterruptibly(30, TimeUnit.SECONDS);
            loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }

    private void printHistogram(List<Object[]> rows) {
        out.printf("live heap growth by class, per connection (GC.class_histogram after - before):%n");
        out.printf("  %10s %10s  %s%n", "bytes", "instances", "class");
        for (Object[] r : rows) {
            out.printf("  %10.1f %10.2f  %s%n", (long) r[2] / (double) connections, (long) r[1] / (double) connections, r[0]);
        }
    }

    private void connect(Bootstrap b, InetSocketAddress server, ChannelGroup channels)
            throws IOException, InterruptedException {
        int window = Math.min(concurrency, connections);
        Semaphore slots = new Semaphore(window);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        LongAdder subscribed = new LongAdder();
        int step = Math.max(1, connections / 10);
        for (int i = 0; i < connections && failure.get() == null; i++) {
            if (!slots.tryAcquire(CONNECT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException("connections stalled (" + subscribed.sum() + " subscribed)");
            }
            InetSocketAddress source = Loopback.source(i, sources);
            ChannelFuture connect = b.connect(server, source);
            connect.addListener(f -> {
                if (!f.isSuccess()) {
                    failure.compareAndSet(null, new IOException("connect from " + source + ": " + f.cause(), f.cause()));
                    slots.release();
                    return;
                }
                Channel ch = connect.channel();
                channels.add(ch);
                IdleHandler handler = ch.pipeline().get(IdleHandler.class);
                handler.subscribed().whenComplete((ok, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    } else {
                        subscribed.increment();
                    }
                    slots.release();
                });
            });
            if ((i + 1) % step == 0 && connections >= 1000) {
                out.printf("  connecting: %,d/%,d started%n", i + 1, connections);
            }
        }
        if (!slots.tryAcquire(window, CONNECT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new IOException("connections stalled (" + subscribed.sum() + " subscribed)");
        }
        Throwable e = failure.get();
        if (e != null) {
            throw new IOException("a connection failed after " + subscribed.sum() + " subscribed: " + e, e);
        }
    }
}
