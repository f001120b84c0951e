package dev.ferry.bench.fanout;

import dev.ferry.redis.RedisConfig;
import dev.ferry.redis.RedisExtension;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.EngineConfig;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.ServerConfig;
import dev.ferry.server.config.WebSocketConfig;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * One fan-out run: (an embedded server,) N subscribers, one paced publisher, a drain wait, the figures.
 *
 * <p>Bounded in count and time: the publisher sends {@code rate * (warmup + duration)} publications, the run then
 * waits at most {@code drainTimeout} for deliveries still in flight, and every connection and event loop it made
 * is closed before {@link #run} returns, whatever happened.
 */
public final class FanoutRun {
    /** Outbound queue of each connection on the embedded server: deep enough that a benchmark that outruns the
     *  server measures queueing, rather than being cut short by slow-consumer closes. Buffers are shared between
     *  subscribers, so this counts bytes rather than allocating them. */
    static final int EMBEDDED_OUTBOUND_QUEUE_BYTES = 256 << 20;
    private static final long CONNECT_TIMEOUT_SECONDS = 120;

    private final FanoutOptions options;
    private final PrintStream progress;
    private final int nodes;
    private final String redisUri;
    private List<URI> subscriberUrls = List.of();
    private URI publisherUrl;

    public FanoutRun(FanoutOptions options, PrintStream progress) {
        this(options, progress, 1, null);
    }

    /**
     * With {@code nodes} > 1 (embedded only), that many servers in this JVM share the Redis at {@code redisUri}
     * (under a key prefix of their own): subscribers are spread round-robin over them, the publisher is on the first.
     */
    public FanoutRun(FanoutOptions options, PrintStream progress, int nodes, String redisUri) {
        if (nodes < 1 || (nodes > 1 && (!options.embedded() || redisUri == null))) {
            throw new IllegalArgumentException("nodes: " + nodes + " (expected: 1, or more with an embedded server and a Redis URI)");
        }
        this.options = options;
        this.progress = progress;
        this.nodes = nodes;
        this.redisUri = redisUri;
    }

    /**
     * Spreads the subscribers round-robin over {@code subscriberUrls} (nodes of one cluster, each checked to be on
     * loopback) and publishes on {@code publisherUrl}, instead of the single {@link FanoutOptions#url()}.
     */
    public FanoutRun external(List<URI> subscriberUrls, URI publisherUrl) {
        if (options.embedded() || subscriberUrls.isEmpty()) {
            throw new IllegalArgumentException("external nodes need a --url run and at least one URL");
        }
        subscriberUrls.forEach(Loopback::checkUrl);
        Loopback.checkUrl(publisherUrl);
        this.subscriberUrls = List.copyOf(subscriberUrls);
        this.publisherUrl = publisherUrl;
        return this;
    }

    /** Runs to the end and returns the figures; throws when the run could not be set up or the publisher failed. */
    public FanoutResult run() throws IOException, InterruptedException {
        List<FerryServer> servers = new ArrayList<>();
        EventLoopGroup subscriberLoops = null;
        EventLoopGroup publisherLoop = null;
        ChannelGroup channels = new DefaultChannelGroup("bench", GlobalEventExecutor.INSTANCE);
        RunWindow window = new RunWindow();
        try {
            URI url = options.url();
            List<URI> urls = new ArrayList<>();
            if (options.embedded()) {
                String prefix = "ferrybench-" + Long.toHexString(System.nanoTime());
                for (int n = 0; n < nodes; n++) {
                    FerryServer server = startEmbedded(prefix);
                    servers.add(server);
                    urls.add(server.webSocketUri());
                }
                url = urls.get(0);
                progress.printf("%d embedded server(s) on %s (%s io threads, outbound queue %d MiB per connection%s)%n",
                        nodes, urls, options.serverThreads() > 0 ? options.serverThreads() : "default",
                        EMBEDDED_OUTBOUND_QUEUE_BYTES >> 20, nodes > 1 ? ", Redis engine at " + redisUri : "");
            } else if (!subscriberUrls.isEmpty()) {
                urls.addAll(subscriberUrls);
                url = publisherUrl;
            } else {
                urls.add(url);
            }
            InetSocketAddress serverAddress = Loopback.serverAddress(url);
            ClientTransport transport = ClientTransport.select();
            int threads = options.clientThreads() > 0 ? options.clientThreads() : Runtime.getRuntime().availableProcessors();
            subscriberLoops = transport.newGroup(threads, "bench-sub");
            // The publisher gets a loop of its own, so that its pacing does not queue behind subscriber reads.
            publisherLoop = transport.newGroup(1, "bench-pub");

            FanoutCounters counters = new FanoutCounters();
            Latencies latencies = new Latencies();
            URI target = url;
            List<Bootstrap> subscribers = new ArrayList<>();
            List<InetSocketAddress> addresses = new ArrayList<>();
            for (URI u : urls) {
                subscribers.add(transport.bootstrap(subscriberLoops).handler(new ClientChannelInitializer(u,
                        () -> new SubscriberHandler(options.topic(), counters, latencies, window))));
                addresses.add(Loopback.serverAddress(u));
            }
            long connectStart = System.nanoTime();
            int sources = options.effectiveSourceAddresses();
            connectSubscribers(subscribers, addresses, sources, channels);
            double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
            progress.printf("%d subscribers connected and subscribed in %.2f s (%s transport, %d client threads)%n",
                    options.subscribers(), connectSeconds, transport.name(), threads);

            PublisherHandler publisherHandler = new PublisherHandler();
            Channel publisherChannel = transport.bootstrap(publisherLoop)
                    .handler(new ClientChannelInitializer(target, () -> publisherHandler))
                    .connect(serverAddress, Loopback.source(0, 1)).sync().channel();
            channels.add(publisherChannel);
            await(publisherHandler.ready(), 30, "publisher handshake");

            long warmupCount = options.warmupPublications();
            long total = warmupCount + options.measuredPublications();
            PacedPublisher publisher = new PacedPublisher(publisherChannel,
                    new PubFrames(options.topic(), options.payloadBytes()), total, options.rate());
            long t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
            window.measureFrom(PacedPublisher.due(t0, warmupCount, options.rate()));
            progress.printf("publishing %d messages at %d/s (%d warmup) to %d subscribers%n", total, options.rate(),
                    warmupCount, options.subscribers());
            long runSeconds = options.warmup().toSeconds() + options.duration().toSeconds();
            String publisherFailure = null;
            try {
                publisher.start(t0).get(runSeconds + 60, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                publisherFailure = String.valueOf(e.getCause() != null ? e.getCause() : e);
            }
            long sent = publisher.sent();
            long expected = sent * options.subscribers();
            long drainDeadline = System.nanoTime() + options.drainTimeout().toNanos();
            while (counters.deliveries.sum() < expected && System.nanoTime() < drainDeadline) {
                Thread.sleep(10);
            }
            window.ending();

            Histogram latency = latencies.snapshot();
            long measured = counters.measuredDeliveries.sum();
            long last = counters.lastDeliveryNanos.get();
            double measuredSeconds = (last - window.measureStartNanos()) / 1e9;
            Map<Integer, Long> closes = new HashMap<>();
            counters.closesByCode.forEach((code, n) -> closes.put(code, n.sum()));
            long errors = counters.protocolErrors.sum() + publisherHandler.errors() + (publisherFailure != null ? 1 : 0);
            return new FanoutResult(transport.name(), url.toString(), options.embedded(), options.subscribers(),
                    sources, options.rate(), options.payloadBytes(), seconds(options.warmup()),
                    seconds(options.duration()), connectSeconds, sent, Math.max(0, sent - warmupCount),
                    counters.deliveries.sum(), measured, measuredSeconds > 0 ? measured / measuredSeconds : 0,
                    publisher.maxLagNanos(), closes, errors,
                    publisherFailure != null ? publisherFailure : publisherHandler.firstError(), latency);
        } finally {
            window.ending();
            channels.close().awaitUninterruptibly(10, TimeUnit.SECONDS);
            if (publisherLoop != null) {
                publisherLoop.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
            }
            if (subscriberLoops != null) {
                subscriberLoops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
            }
            for (FerryServer server : servers) {
                server.close();
            }
        }
    }

    private FerryServer startEmbedded(String redisPrefix) {
        WebSocketConfig d = WebSocketConfig.DEFAULT;
        WebSocketConfig ws = new WebSocketConfig(d.maxMessageBytes(), d.handshakeTimeout(), d.pingInterval(),
                d.idleTimeout(), d.maxSubscriptions(), EMBEDDED_OUTBOUND_QUEUE_BYTES);
        ServerConfig s = ServerConfig.DEFAULT;
        FerryConfig config = FerryConfig.DEFAULT
                .withServer(new ServerConfig("127.0.0.1", 0, options.serverThreads(), s.nativeTransport(),
                        Duration.ofSeconds(5)))
                .withWebSocket(ws);
        FerryServer.Builder builder = FerryServer.builder();
        if (nodes > 1) {
            config = config.withEngine(EngineConfig.DEFAULT.withEngine("redis"));
            builder.extension(new RedisExtension(RedisConfig.DEFAULT.withUri(redisUri).withPrefix(redisPrefix)));
        }
        FerryServer server = builder.config(config).host("127.0.0.1").port(0).build();
        server.start();
        return server;
    }

    /**
     * Connects and subscribes every subscriber (round-robin over the servers), at most {@code connectConcurrency} at a time, round-robin over
     * {@code sources} loopback source addresses. Fails on the first connection that cannot subscribe.
     */
    private void connectSubscribers(List<Bootstrap> bootstraps, List<InetSocketAddress> servers, int sources, ChannelGroup channels)
            throws IOException, InterruptedException {
        int concurrency = Math.min(options.connectConcurrency(), options.subscribers());
        Semaphore slots = new Semaphore(concurrency);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        LongAdder subscribed = new LongAdder();
        int step = Math.max(1, options.subscribers() / 10);
        for (int i = 0; i < options.subscribers() && failure.get() == null; i++) {
            if (!slots.tryAcquire(CONNECT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException("subscriber connections stalled (" + subscribed.sum() + " subscribed)");
            }
            InetSocketAddress source = Loopback.source(i, sources);
            int node = i % servers.size();
            ChannelFuture connect = bootstraps.get(node).connect(servers.get(node), source);
            connect.addListener(f -> {
                if (!f.isSuccess()) {
                    failure.compareAndSet(null, new IOException("connect from " + source + ": " + f.cause(), f.cause()));
                    slots.release();
                    return;
                }
                Channel ch = connect.channel();
                channels.add(ch);
                SubscriberHandler handler = (SubscriberHandler) ch.pipeline().get(ClientHandlerNames.APPLICATION);
                handler.subscribed().whenComplete((ok, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    } else {
                        subscribed.increment();
                    }
                    slots.release();
                });
            });
            if ((i + 1) % step == 0 && options.subscribers() >= 1000) {
                progress.printf("  connecting: %d/%d started%n", i + 1, options.subscribers());
            }
        }
        if (!slots.tryAcquire(concurrency, CONNECT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new IOException("subscriber connections stalled (" + subscribed.sum() + " subscribed)");
        }
        Throwable e = failure.get();
        if (e != null) {
            throw new IOException("subscriber failed after " + subscribed.sum() + " subscribed: " + e, e);
        }
    }

    private static void await(java.util.concurrent.CompletableFuture<Void> f, long seconds, String what)
            throws IOException, InterruptedException {
        try {
            f.get(seconds, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException(what + " failed: " + (e.getCause() != null ? e.getCause() : e), e);
        }
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }
}
