package dev.ferry.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.Topics;
import dev.ferry.server.config.ConfigException;
import dev.ferry.server.extension.ExtensionConnection;
import dev.ferry.server.extension.ExtensionContext;
import dev.ferry.server.extension.FerryExtension;
import dev.ferry.server.hub.Delivery;
import dev.ferry.server.hub.Hub;
import dev.ferry.server.hub.Subscriber;
import dev.ferry.server.hub.TopicTree;
import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries messages between RabbitMQ exchanges and Ferry topics, as configured by {@link RabbitConfig}.
 *
 * <h2>Threads</h2>
 * <ul>
 *   <li>{@code ferry-rabbitmq} (one thread) owns the connection: connecting, declaring, binding and unbinding,
 *       publishing outbound messages, reconnecting. Every AMQP call except acks is made on it;</li>
 *   <li>{@code ferry-rabbitmq-out} is the executor of the bridge's connection to the node (an
 *       {@link ExtensionConnection}, made by the connection core as a client's is, so that its subscriptions and
 *       publications pass the same admission and the server API lists it): it decodes each outbound publication,
 *       drops what came in from RabbitMQ, and queues the rest (bounded by {@code rabbitmq.outbound-queue-bytes},
 *       dropped beyond) for {@code ferry-rabbitmq}; and it publishes the inbound messages the consumer threads hand
 *       it;</li>
 *   <li>the AMQP client's consumer threads hand each inbound message to {@code ferry-rabbitmq-out}, wait until the
 *       engine has it, and then ack it;</li>
 *   <li>Netty event loops only run the interest listener, which updates counts and hands the binding work to
 *       {@code ferry-rabbitmq}.</li>
 * </ul>
 * So no Netty event loop ever waits for RabbitMQ, and no AMQP client thread runs Netty work.
 *
 * <h2>Loops</h2>
 * A message bridged in is never bridged out again: the hub publication is marked ({@link LoopGuard}), and what
 * this node publishes to RabbitMQ carries its node id in {@code x-ferry-origin}, which the inbound side drops.
 */
public final class RabbitBridge implements FerryExtension {
    private static final Logger log = LoggerFactory.getLogger(RabbitBridge.class);
    private static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(30);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    /** The configuration in force: the one made with, then each reload's ({@link #reload}). */
    private volatile RabbitConfig config;
    /** The keys it was made from, compared on reload ({@link #settings()}). */
    private volatile Object settings;
    private final ConnectionFactory factory;
    private volatile List<BridgeConfig> outboundBridges;
    /** Replaced one by one by a reload, iterated on any thread. */
    private final List<InboundQueue> inbound = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The outbound patterns the bridge connection is subscribed to; outLoop only. */
    private final Set<String> subscribedOut = new LinkedHashSet<>();
    private final dev.ferry.server.time.ServerClock clock = dev.ferry.server.time.ServerClock.system();
    /** When the current connection was set up (epoch ms); 0 while disconnected. */
    private volatile long connectedAt;
    /** When the extension started (epoch ms). */
    private volatile long startedAt;
    /** When each outbound-only bridge a reload added or changed started (epoch ms). */
    private final Map<String, Long> outboundStarted = new ConcurrentHashMap<>();
    private final AtomicLong outboundQueuedBytes = new AtomicLong();
    private final LongAdder outboundDropped = new LongAdder();
    private final LongAdder outboundPublished = new LongAdder();
    private final LongAdder inboundPublished = new LongAdder();
    private final LongAdder inboundRejected = new LongAdder();
    private final LongAdder loopsStopped = new LongAdder();
    private final AtomicLong connects = new AtomicLong();
    private volatile boolean connected;
    /** Between start and close: what {@link #bridges()} reports as not stopped. */
    private volatile boolean running;

    private Hub hub;
    /** The bridge's connection to the node, on {@link #outLoop}. */
    private ExtensionConnection link;
    /** How long a consumer thread waits for the engine to take an inbound publication before requeueing it. */
    private static final long PUBLISH_WAIT_SECONDS = 10;
    private LoopGuard guard;
    private ScheduledExecutorService amqp;
    private DefaultEventExecutor outLoop;

    // ferry-rabbitmq thread only
    private Connection connection;
    private Channel publishChannel;
    /** Bumped whenever a connection is torn down: callbacks from an older connection are ignored. */
    private long generation;
    private Duration nextDelay;
    private boolean closed;

    public RabbitBridge(RabbitConfig config) {
        this(config, config);
    }

    /**
     * A bridge of {@code config} that a configuration reload compares by {@code settings} (the section's keys as
     * given: a generated {@code rabbitmq.node-id} differs at each parse, the keys do not).
     */
    RabbitBridge(RabbitConfig config, Object settings) {
        this.settings = settings;
        this.config = config;
        this.factory = new ConnectionFactory();
        try {
            factory.setUri(config.uri());
        } catch (Exception e) {
            throw new ConfigException("rabbitmq.uri: \"" + config.uri() + "\" (" + e.getMessage() + ")");
        }
        factory.setAutomaticRecoveryEnabled(false); // recovery is ours: it must re-bind today's interest
        factory.setTopologyRecoveryEnabled(false);
        factory.setConnectionTimeout(5_000);
        AtomicInteger n = new AtomicInteger();
        factory.setThreadFactory(r -> {
            Thread t = new Thread(r, "ferry-rabbitmq-client-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.outboundBridges = config.bridges().stream().filter(b -> b.direction().outbound()).toList();
        for (BridgeConfig b : config.bridges()) {
            if (b.direction().inbound()) {
                inbound.add(new InboundQueue(b));
            }
        }
        this.nextDelay = config.reconnectDelay();
    }

    public RabbitConfig config() {
        return config;
    }

    /**
     * What a configuration reload compares: equal settings keep the bridge running; changed ones close it and start
     * the new one (every bridge of the section reconnects), and a configuration without {@code rabbitmq.*} closes it.
     */
    @Override
    public Object settings() {
        return settings;
    }

    @Override
    public String name() {
        return "rabbitmq";
    }

    /**
     * Takes {@code offered}'s bridges in place when it has this one's broker, node id, reconnect delay and outbound
     * queue size (false otherwise: the server closes this one and starts the offered one). On the connection this
     * one keeps: a bridge whose settings did not change keeps its channel, queue, bindings and consumer; a removed
     * one is stopped (its channel closed, so a server-named or non-durable queue goes with it; a durable queue
     * keeps what it holds and loses the bindings the bridge no longer has); a changed one is stopped and set up
     * anew; an added one is set up. While disconnected, the next connection sets up the new bridges.
     */
    @Override
    public boolean reload(FerryExtension offered) {
        if (!(offered instanceof RabbitBridge next) || amqp == null || !running) {
            return false;
        }
        RabbitConfig a = config;
        RabbitConfig b = next.config;
        if (!a.uri().equals(b.uri()) || !a.reconnectDelay().equals(b.reconnectDelay())
                || a.outboundQueueBytes() != b.outboundQueueBytes() || !nodeIdKey(settings).equals(nodeIdKey(next.settings))) {
            return false;
        }
        RabbitConfig merged = new RabbitConfig(a.uri(), a.nodeId(), a.reconnectDelay(), a.outboundQueueBytes(),
                b.bridges());
        Map<String, BridgeConfig> before = new HashMap<>();
        a.bridges().forEach(x -> before.put(x.name(), x));
        Map<String, BridgeConfig> after = new HashMap<>();
        b.bridges().forEach(x -> after.put(x.name(), x));
        List<String> outPatterns = new ArrayList<>();
        b.bridges().stream().filter(x -> x.direction().outbound()).forEach(x -> outPatterns.addAll(x.ferryPatterns()));
        try {
            amqp.submit(() -> {
                for (InboundQueue q : List.copyOf(inbound)) {
                    BridgeConfig now = after.get(q.cfg.name());
                    if (!q.cfg.equals(now)) {
                        q.retire(now == null || !now.direction().inbound() ? Set.of() : Set.copyOf(now.patterns()));
                        inbound.remove(q);
                        log.info("rabbitmq bridge {} stopped: {}", q.cfg.name(), now == null ? "removed" : "changed");
                    }
                }
                config = merged;
                settings = next.settings;
                outboundBridges = merged.bridges().stream().filter(x -> x.direction().outbound()).toList();
                guard.outboundPatterns(outPatterns);
                outboundStarted.keySet().retainAll(after.keySet());
                for (BridgeConfig x : merged.bridges()) {
                    if (!x.equals(before.get(x.name())) && !x.direction().inbound()) {
                        outboundStarted.put(x.name(), clock.millis());
                        log.info("rabbitmq bridge {} started", x.name());
                    }
                    if (!x.equals(before.get(x.name())) && x.direction().inbound()) {
                        InboundQueue q = new InboundQueue(x);
                        inbound.add(q);
                        hub.addInterestListener(q.interest); // counts today's subscriptions at once
                        log.info("rabbitmq bridge {} started", x.name());
                        if (connected) {
                            setUp(q);
                        }
                    }
                }
                if (connected && publishChannel == null && !outboundBridges.isEmpty()) {
                    openPublishChannel(connection, generation);
                }
                return null;
            }).get(CLOSE_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            log.warn("rabbitmq bridges did not reload cleanly: {}", e.toString());
        }
        outLoop.submit(() -> {
            String refused = subscribeOut(outPatterns);
            if (refused != null) {
                log.warn("rabbitmq bridge cannot subscribe to {}", refused);
            }
        }).awaitUninterruptibly(CLOSE_TIMEOUT.toMillis());
        return true;
    }

    /** The {@code rabbitmq.node-id} a section gives ("" when generated), or the node id of a config made in code. */
    private static String nodeIdKey(Object settings) {
        if (settings instanceof Map<?, ?> m) {
            Object v = m.get("rabbitmq.node-id");
            return v == null ? "" : v.toString().trim();
        }
        return settings instanceof RabbitConfig c ? c.nodeId() : String.valueOf(settings);
    }

    /**
     * Makes the bridge connection subscribed to exactly {@code patterns}; outLoop only. Returns the first pattern
     * refused with why, or null.
     */
    private String subscribeOut(List<String> patterns) {
        Set<String> want = new LinkedHashSet<>(patterns);
        for (String p : List.copyOf(subscribedOut)) {
            if (!want.contains(p)) {
                link.unsubscribe(p);
                subscribedOut.remove(p);
            }
        }
        for (String p : want) {
            if (!subscribedOut.contains(p)) {
                String why = link.subscribe(p);
                if (why != null) {
                    return p + ": " + why;
                }
                subscribedOut.add(p);
            }
        }
        return null;
    }

    /** Sets up one inbound bridge added by a reload on the current connection; ferry-rabbitmq only. */
    private void setUp(InboundQueue q) {
        long gen = generation;
        try {
            checkExchange(connection, q.cfg);
            q.open(connection, gen);
        } catch (IOException | RuntimeException e) {
            // as when a connection cannot set up: reconnect, retrying until every bridge is set up
            lost(gen, "bridge " + q.cfg.name() + " cannot set up: " + describe(e));
        }
    }

    private void openPublishChannel(Connection c, long gen) throws IOException {
        publishChannel = c.createChannel();
        publishChannel.addShutdownListener(cause -> lost(gen, "publishing channel closed: " + cause.getMessage()));
    }

    /**
     * Subscribes the outbound patterns, starts watching interest, and starts connecting in the background:
     * the server starts whether or not RabbitMQ is reachable, and the bridge keeps trying.
     */
    @Override
    public void start(ExtensionContext context) {
        hub = context.hub();
        var meters = context.meters();
        io.micrometer.core.instrument.FunctionCounter.builder("ferry.rabbitmq.inbound.published", inboundPublished, LongAdder::sum)
                .description("messages from RabbitMQ published on Ferry topics").register(meters);
        io.micrometer.core.instrument.FunctionCounter.builder("ferry.rabbitmq.inbound.rejected", inboundRejected, LongAdder::sum)
                .description("messages from RabbitMQ rejected (refused by the bridge connection's admission: routing key not a topic, the topic's event class; or by the hub)").register(meters);
        io.micrometer.core.instrument.FunctionCounter.builder("ferry.rabbitmq.outbound.published", outboundPublished, LongAdder::sum)
                .description("Ferry publications published to RabbitMQ").register(meters);
        io.micrometer.core.instrument.FunctionCounter.builder("ferry.rabbitmq.outbound.dropped", outboundDropped, LongAdder::sum)
                .description("Ferry publications not sent to RabbitMQ (disconnected, or beyond rabbitmq.outbound-queue-bytes)").register(meters);
        io.micrometer.core.instrument.FunctionCounter.builder("ferry.rabbitmq.loops.stopped", loopsStopped, LongAdder::sum)
                .description("messages not bridged back where they came from").register(meters);
        List<String> outPatterns = new ArrayList<>();
        outboundBridges.forEach(b -> outPatterns.addAll(b.ferryPatterns()));
        amqp = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("ferry-rabbitmq", true));
        outLoop = new DefaultEventExecutor(new DefaultThreadFactory("ferry-rabbitmq-out", true));
        link = context.connect(name(), outLoop, this::outbound);
        guard = new LoopGuard(link, outPatterns);
        for (InboundQueue q : inbound) {
            hub.addInterestListener(q.interest);
        }
        String refused = outLoop.submit(() -> subscribeOut(outPatterns)).syncUninterruptibly().getNow();
        if (refused != null) {
            throw new IllegalStateException("rabbitmq bridge cannot subscribe to " + refused);
        }
        startedAt = clock.millis();
        amqp.execute(this::connect);
        running = true;
    }

    @Override
    public void close() {
        if (amqp == null) {
            return;
        }
        running = false;
        for (InboundQueue q : inbound) {
            hub.removeInterestListener(q.interest);
        }
        outLoop.submit(link::close).awaitUninterruptibly(CLOSE_TIMEOUT.toMillis());
        outLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        try {
            // Runs after the outbound publications already queued: they get out if the connection is up.
            amqp.submit(() -> {
                closed = true;
                teardown(true);
            }).get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            log.warn("rabbitmq bridge did not close cleanly: {}", e.toString());
        }
        amqp.shutdownNow();
    }

    /** Whether the bridge is connected with its channels, queues and bindings set up. */
    public boolean isConnected() {
        return connected;
    }

    /** How many times the bridge has connected (and set up) since it started. */
    public long connects() {
        return connects.get();
    }

    /** The routing keys bound for an inbound bridge right now (empty while disconnected). */
    public Set<String> bindings(String bridge) {
        for (InboundQueue q : inbound) {
            if (q.cfg.name().equals(bridge)) {
                return Set.copyOf(q.bound);
            }
        }
        throw new IllegalArgumentException("no inbound bridge " + bridge);
    }

    /** The name of an inbound bridge's queue on the current connection, or null while disconnected. */
    public String queueName(String bridge) {
        for (InboundQueue q : inbound) {
            if (q.cfg.name().equals(bridge)) {
                return q.queue;
            }
        }
        throw new IllegalArgumentException("no inbound bridge " + bridge);
    }

    /**
     * One status per configured bridge: its exchange, direction, patterns and binding mode, the broker without
     * credentials, and the connection's state and counters (shared by the bridges of this connection).
     */
    @Override
    public List<dev.ferry.server.extension.BridgeStatus> bridges() {
        String state = !running ? dev.ferry.server.extension.BridgeStatus.STOPPED
                : connected ? dev.ferry.server.extension.BridgeStatus.CONNECTED
                : dev.ferry.server.extension.BridgeStatus.CONNECTING;
        Stats s = stats();
        List<dev.ferry.server.extension.BridgeStatus> out = new ArrayList<>();
        for (BridgeConfig b : config.bridges()) {
            Map<String, Object> d = new java.util.LinkedHashMap<>();
            d.put("broker", safeUri());
            d.put("exchange", b.exchange());
            d.put("direction", b.direction().name().toLowerCase(java.util.Locale.ROOT));
            d.put("topicPrefix", b.topicPrefix());
            d.put("patterns", List.copyOf(b.patterns()));
            d.put("bind", b.bind().name().toLowerCase(java.util.Locale.ROOT));
            d.put("connects", connects.get());
            long at = connectedAt;
            d.put("connectedAt", at == 0 ? null : java.time.Instant.ofEpochMilli(at).toString());
            d.put("startedAt", java.time.Instant.ofEpochMilli(startedAt(b)).toString());
            d.put("inboundPublished", s.inboundPublished());
            d.put("inboundRejected", s.inboundRejected());
            d.put("outboundPublished", s.outboundPublished());
            d.put("outboundDropped", s.outboundDropped());
            out.add(new dev.ferry.server.extension.BridgeStatus(name(), b.name(), state, d));
        }
        return out;
    }

    /** When bridge {@code b} started: its inbound queue's start, else the extension's. */
    private long startedAt(BridgeConfig b) {
        for (InboundQueue q : inbound) {
            if (q.cfg.name().equals(b.name())) {
                return q.startedAt;
            }
        }
        Long out = outboundStarted.get(b.name());
        return out != null ? out : startedAt;
    }

    /** Counters since start. */
    public record Stats(long inboundPublished, long inboundRejected, long outboundPublished, long outboundDropped,
                        long loopsStopped) {
    }

    public Stats stats() {
        return new Stats(inboundPublished.sum(), inboundRejected.sum(), outboundPublished.sum(), outboundDropped.sum(),
                loopsStopped.sum());
    }

    // ------------------------------------------------------------------ connection (ferry-rabbitmq thread)

    private void connect() {
        if (closed) {
            return;
        }
        long gen = generation;
        try {
            Connection c = factory.newConnection("ferry " + config.nodeId());
            connection = c;
            c.addShutdownListener(cause -> lost(gen, "connection closed: " + cause.getMessage()));
            for (BridgeConfig b : config.bridges()) {
                checkExchange(c, b);
            }
            if (!outboundBridges.isEmpty()) {
                openPublishChannel(c, gen);
            }
            for (InboundQueue q : inbound) {
                q.open(c, gen);
            }
            connectedAt = clock.millis();
            connected = true;
            connects.incrementAndGet();
            nextDelay = config.reconnectDelay();
            log.info("rabbitmq bridge connected to {} as {}", safeUri(), config.nodeId());
        } catch (IOException | TimeoutException | RuntimeException e) {
            log.warn("rabbitmq bridge cannot set up on {}: {}; retrying in {} ms", safeUri(), describe(e),
                    nextDelay.toMillis());
            teardown(false);
            scheduleReconnect();
        }
    }

    /** Fails with the bridge's key when its exchange is missing; a passive declare closes its channel on failure. */
    private static void checkExchange(Connection c, BridgeConfig b) throws IOException {
        {
            Channel check = c.createChannel();
            try {
                check.exchangeDeclarePassive(b.exchange());
            } catch (IOException e) {
                throw new IOException("exchange \"" + b.exchange() + "\" of rabbitmq.bridges." + b.name()
                        + ".exchange does not exist (" + describe(e) + ")", e);
            } finally {
                if (check.isOpen()) {
                    try {
                        check.close();
                    } catch (IOException | TimeoutException e) {
                        log.debug("closing a check channel", e);
                    }
                }
            }
        }
    }

    /** The broker closed something, or a consumer was cancelled. Any thread. */
    private void lost(long gen, String why) {
        try {
            amqp.execute(() -> {
                if (gen != generation || closed) {
                    return; // an older connection, or our own teardown
                }
                log.warn("rabbitmq bridge lost its connection ({}); reconnecting in {} ms", why, nextDelay.toMillis());
                teardown(false);
                scheduleReconnect();
            });
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    private void scheduleReconnect() {
        if (closed) {
            return;
        }
        amqp.schedule(this::connect, nextDelay.toMillis(), TimeUnit.MILLISECONDS);
        Duration doubled = nextDelay.multipliedBy(2);
        nextDelay = doubled.compareTo(MAX_RECONNECT_DELAY) > 0 ? MAX_RECONNECT_DELAY : doubled;
    }

    private void teardown(boolean graceful) {
        generation++;
        connected = false;
        connectedAt = 0;
        for (InboundQueue q : inbound) {
            q.channel = null;
            q.queue = null;
            q.bound.clear();
        }
        publishChannel = null;
        Connection c = connection;
        connection = null;
        if (c != null) {
            if (graceful && c.isOpen()) {
                try {
                    c.close((int) CLOSE_TIMEOUT.toMillis());
                } catch (IOException | RuntimeException e) {
                    c.abort();
                }
            } else {
                c.abort(1_000);
            }
        }
    }

    private String safeUri() {
        return config.uri().getScheme() + "://" + config.uri().getHost() + ":" + factory.getPort()
                + "/" + factory.getVirtualHost();
    }

    private static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ShutdownSignalException) {
                return t.getMessage();
            }
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    // ------------------------------------------------------------------ inbound

    /** One inbound bridge's queue, bindings and consumer. */
    private final class InboundQueue {
        final BridgeConfig cfg;
        final List<String> ferryPatterns;
        /** Interest: routing key → number of (pattern, subscriber) subscriptions needing it. Guarded by itself. */
        final Map<String, Integer> wanted = new HashMap<>();
        /** Keys bound on the current connection; written on ferry-rabbitmq, read anywhere. */
        final Set<String> bound = ConcurrentHashMap.newKeySet();
        /** Hub subscriptions turned into this bridge's binding work. */
        final InterestListener interest = new InterestListener(this);
        /** When this bridge started (epoch ms): with the extension, or when a reload added or changed it. */
        final long startedAt = clock.millis();
        /** Set when a reload stopped it: its channel's end is no loss of the connection. */
        volatile boolean retired;
        // ferry-rabbitmq thread only
        Channel channel;
        volatile String queue;

        InboundQueue(BridgeConfig cfg) {
            this.cfg = cfg;
            this.ferryPatterns = cfg.ferryPatterns();
        }

        /**
         * Stops this bridge for a reload; ferry-rabbitmq only. A durable queue keeps its messages and the bindings
         * of {@code keep} (the patterns of the bridge replacing it); the others go with their channel.
         */
        void retire(Set<String> keep) {
            retired = true;
            hub.removeInterestListener(interest);
            Channel ch = channel;
            channel = null;
            if (ch != null && ch.isOpen()) {
                try {
                    if (cfg.durable()) {
                        for (String k : List.copyOf(bound)) {
                            if (!keep.contains(k)) {
                                ch.queueUnbind(queue, cfg.exchange(), k);
                            }
                        }
                    }
                    ch.close();
                } catch (IOException | TimeoutException | RuntimeException e) {
                    try {
                        ch.abort();
                    } catch (IOException | RuntimeException ignored) {
                        // the connection's own end closes it
                    }
                }
            }
            queue = null;
            bound.clear();
        }

        void open(Connection c, long gen) throws IOException {
            Channel ch = c.createChannel();
            ch.addShutdownListener(cause -> {
                if (!retired) {
                    lost(gen, "channel of bridge " + cfg.name() + " closed: " + cause.getMessage());
                }
            });
            ch.basicQos(cfg.prefetch());
            String q;
            if (cfg.queue().isEmpty()) {
                q = ch.queueDeclare().getQueue(); // server-named, exclusive, auto-delete
            } else if (cfg.durable()) {
                q = ch.queueDeclare(cfg.queue(), true, false, false, null).getQueue();
            } else {
                q = ch.queueDeclare(cfg.queue(), false, true, true, null).getQueue();
            }
            channel = ch;
            queue = q;
            if (cfg.bind() == BindMode.FIXED) {
                for (String p : cfg.patterns()) {
                    ch.queueBind(q, cfg.exchange(), p);
                    bound.add(p);
                }
            } else {
                reconcile();
            }
            ch.basicConsume(q, false, "ferry-" + cfg.name(), new Deliveries(ch, gen));
        }

        /** Binds what is wanted and not bound, unbinds what is bound and no longer wanted. ferry-rabbitmq only. */
        void reconcile() throws IOException {
            Channel ch = channel;
            if (ch == null || !ch.isOpen()) {
                return; // the next connection binds what is wanted then
            }
            Set<String> want;
            synchronized (wanted) {
                want = Set.copyOf(wanted.keySet());
            }
            for (String k : want) {
                if (!bound.contains(k)) {
                    ch.queueBind(queue, cfg.exchange(), k);
                    bound.add(k);
                    log.debug("bridge {}: bound {}", cfg.name(), k);
                }
            }
            for (String k : List.copyOf(bound)) {
                if (!want.contains(k)) {
                    ch.queueUnbind(queue, cfg.exchange(), k);
                    bound.remove(k);
                    log.debug("bridge {}: unbound {}", cfg.name(), k);
                }
            }
        }

        /**
         * The routing keys a Ferry subscription to {@code pattern} needs: the pattern itself (without the
         * prefix) where a configured pattern covers it, or the configured pattern where they only overlap.
         */
        Set<String> keysFor(String pattern) {
            Set<String> keys = new LinkedHashSet<>();
            for (int i = 0; i < ferryPatterns.size(); i++) {
                String configured = ferryPatterns.get(i);
                if (PatternAlgebra.contains(configured, pattern)) {
                    keys.add(cfg.toRoutingKey(pattern));
                } else if (PatternAlgebra.overlaps(configured, pattern)) {
                    keys.add(cfg.patterns().get(i));
                }
            }
            return keys;
        }

        /** Interest changed by {@code delta}; true when some key went from unwanted to wanted or back. */
        boolean change(String pattern, int delta) {
            Set<String> keys = keysFor(pattern);
            boolean crossed = false;
            synchronized (wanted) {
                for (String k : keys) {
                    int n = wanted.getOrDefault(k, 0) + delta;
                    if (n <= 0) {
                        wanted.remove(k);
                        crossed = true;
                    } else {
                        wanted.put(k, n);
                        crossed |= n == 1 && delta > 0;
                    }
                }
            }
            return crossed;
        }

        /** Deliveries on one channel, on the AMQP client's consumer thread for it. */
        private final class Deliveries extends DefaultConsumer {
            private final long gen;

            Deliveries(Channel channel, long gen) {
                super(channel);
                this.gen = gen;
            }

            @Override
            public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties props, byte[] body)
                    throws IOException {
                Channel ch = getChannel();
                long tag = envelope.getDeliveryTag();
                if (MessageMapping.fromNode(props, config.nodeId())) {
                    loopsStopped.increment();
                    ch.basicAck(tag, false);
                    return;
                }
                String topic = cfg.toFerry(envelope.getRoutingKey());
                Payload payload = MessageMapping.toPayload(props == null ? null : props.getContentType(), body);
                java.util.Map<String, String> tags = MessageMapping.toTags(props);
                java.util.concurrent.CompletableFuture<Long> done = new java.util.concurrent.CompletableFuture<>();
                String refused;
                try {
                    // Waiting here holds a RabbitMQ consumer thread, never an event loop; with the in-memory engine
                    // the publication is done once the bridge's executor has run it.
                    refused = outLoop.submit(() -> guard.publishInbound(topic, payload, tags, done))
                            .get(PUBLISH_WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    refused = String.valueOf(e.getCause()); // the same message would fail the same way, forever
                } catch (TimeoutException | RejectedExecutionException e) {
                    log.warn("bridge {}: requeueing a message on {}: {}", cfg.name(), topic, e.toString());
                    ch.basicNack(tag, false, true);
                    return;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    ch.basicNack(tag, false, true);
                    return;
                }
                try {
                    if (refused == null) {
                        done.get(PUBLISH_WAIT_SECONDS, TimeUnit.SECONDS);
                    }
                } catch (ExecutionException | TimeoutException e) {
                    // The engine could not take it now (e.g. its backend is down): back to the queue, to retry.
                    log.warn("bridge {}: requeueing a message on {}: {}", cfg.name(), topic, e.toString());
                    ch.basicNack(tag, false, true);
                    return;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    ch.basicNack(tag, false, true);
                    return;
                }
                if (refused != null) {
                    // Not requeued: the connection's admission refuses it (a routing key that is not a topic, the
                    // topic's event class, docs/events.md), and would again.
                    inboundRejected.increment();
                    log.warn("bridge {}: rejecting a message with routing key \"{}\": {}", cfg.name(),
                            envelope.getRoutingKey(), refused);
                    ch.basicReject(tag, false);
                    return;
                }
                inboundPublished.increment();
                ch.basicAck(tag, false); // after the hand-off: the hub has it
            }

            @Override
            public void handleCancel(String consumerTag) {
                if (retired) {
                    return;
                }
                lost(gen, "consumer of bridge " + cfg.name() + " cancelled by the broker (queue deleted?)");
            }
        }
    }

    /** Hub subscriptions from clients (not the bridge's own) turned into one inbound bridge's binding work. */
    private final class InterestListener implements TopicTree.Listener<Subscriber> {
        private final InboundQueue q;

        InterestListener(InboundQueue q) {
            this.q = q;
        }

        @Override
        public void added(String pattern, Subscriber subscriber) {
            changed(pattern, subscriber, 1);
        }

        @Override
        public void removed(String pattern, Subscriber subscriber) {
            changed(pattern, subscriber, -1);
        }

        /** Under the hub's tree lock, often on an event loop: count, and hand the AMQP work off. */
        private void changed(String pattern, Subscriber subscriber, int delta) {
            if (link.isSubscriber(subscriber) || q.cfg.bind() != BindMode.INTEREST || !q.change(pattern, delta)) {
                return;
            }
            try {
                amqp.execute(() -> {
                    if (q.retired) {
                        return;
                    }
                    try {
                        q.reconcile();
                    } catch (IOException | RuntimeException e) {
                        // a failed bind closes the channel; its listener reconnects and re-binds
                        log.warn("bridge {}: cannot update bindings: {}", q.cfg.name(), describe(e));
                    }
                });
            } catch (RejectedExecutionException e) {
                // closing
            }
        }
    }

    // ------------------------------------------------------------------ outbound

    /** A publication of the bridge's outbound patterns, delivered to its connection on ferry-rabbitmq-out. */
    private void outbound(Delivery d) {
        Frame.Msg msg = d.msg();
        if (guard.bridgedIn(msg.topic(), msg.offset())) {
            loopsStopped.increment();
            return;
        }
        for (BridgeConfig b : outboundBridges) {
            if (b.ferryPatterns().stream().anyMatch(p -> Topics.matches(p, msg.topic()))) {
                enqueue(b, msg);
            }
        }
    }

    /** Bounded hand-off to ferry-rabbitmq; beyond rabbitmq.outbound-queue-bytes, new publications are dropped. */
    private void enqueue(BridgeConfig b, Frame.Msg msg) {
        long size = msg.data().length() + msg.topic().length() + 256L;
        if (outboundQueuedBytes.addAndGet(size) > config.outboundQueueBytes()) {
            outboundQueuedBytes.addAndGet(-size);
            dropOutbound("outbound queue full");
            return;
        }
        try {
            amqp.execute(() -> {
                try {
                    publish(b, msg);
                } finally {
                    outboundQueuedBytes.addAndGet(-size);
                }
            });
        } catch (RejectedExecutionException e) {
            outboundQueuedBytes.addAndGet(-size);
        }
    }

    /** ferry-rabbitmq thread. At most once: while disconnected, publications are dropped and counted. */
    private void publish(BridgeConfig b, Frame.Msg msg) {
        Channel ch = publishChannel;
        if (ch == null || !ch.isOpen()) {
            dropOutbound("not connected");
            return;
        }
        try {
            ch.basicPublish(b.exchange(), b.toRoutingKey(msg.topic()), false,
                    MessageMapping.properties(config.nodeId(), msg.topic(), msg.epoch(), msg.offset(), msg.data().isBinary(),
                            msg.tags()),
                    msg.data().bytes());
            outboundPublished.increment();
        } catch (IOException | RuntimeException e) {
            dropOutbound(describe(e));
        }
    }

    private void dropOutbound(String why) {
        outboundDropped.increment();
        long n = outboundDropped.sum();
        if (Long.bitCount(n) == 1) { // 1st, 2nd, 4th, 8th... drop: visible without flooding the log
            log.warn("rabbitmq bridge dropped an outbound publication ({}); {} dropped so far", why, n);
        }
    }
}
