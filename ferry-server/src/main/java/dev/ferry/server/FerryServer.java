package dev.ferry.server;

import dev.ferry.server.admin.FerryMetrics;
import dev.ferry.server.auth.Security;
import dev.ferry.server.config.ConfigException;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.ServerConfig;
import dev.ferry.server.engine.Engine;
import dev.ferry.server.engine.MemoryEngine;
import dev.ferry.server.events.EventClasses;
import dev.ferry.server.extension.EngineExtension;
import dev.ferry.server.extension.ExtensionContext;
import dev.ferry.server.extension.FerryExtension;
import dev.ferry.server.hub.Hub;
import dev.ferry.server.rpc.Rpc;
import dev.ferry.server.transport.FerryChannelInitializer;
import dev.ferry.server.http.HttpRouter;
import dev.ferry.server.session.ResumableSessions;
import dev.ferry.server.transport.TlsContext;
import dev.ferry.server.transport.Transport;
import dev.ferry.server.time.ServerClock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.ferry.server.tunnel.TunnelStats;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import dev.ferry.server.config.ConfigChanges;
import dev.ferry.server.config.ReloadResult;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway: one port serving HTTP/1.1 and WebSocket upgrades.
 *
 * <pre>{@code
 * try (FerryServer server = FerryServer.builder().port(0).build()) {
 *     int port = server.start();
 *     ...
 * }
 * }</pre>
 *
 * <p>Lifecycle: {@link #start()} once, then {@link #close()} (idempotent). {@code close()} drains: it stops
 * accepting, sends {@code goaway} to every WebSocket client, closes them with 1001 once their queued frames are
 * written, and waits up to {@code server.shutdown-grace} before closing what is left.
 *
 * <p>{@link FerryExtension}s registered on the builder are started, in order, once the hub exists and before
 * the port is bound, and closed, in reverse order, after the drain.
 */
public final class FerryServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FerryServer.class);
    /** How often expired history, idle topics and expired sessions are freed. */
    private static final long HOUSEKEEPING_MILLIS = 1000;

    /** The configuration in force: the one started with, then each reload's ({@link #reload}). */
    private volatile FerryConfig config;
    private final List<FerryExtension> extensions;
    /** {@code server.host} and {@code server.port} given on the builder, which win over every reloaded file too. */
    private final String hostOverride;
    private final Integer portOverride;
    /** Where {@link #reload()} reads the configuration again; null when the server was built from a config only. */
    private final ConfigSource source;
    /** Told of the configuration in force after each reload that was not rejected; null: nobody. */
    private final java.util.function.Consumer<FerryConfig> onReload;
    /** Reloads one at a time, in order, off the event loops: the file watcher, SIGHUP and the server API's. */
    private final ExecutorService reloads = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "ferry-reload");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong configVersion = new AtomicLong(1);
    /** Epoch seconds of the last reload, whatever its result; 0 before the first. */
    private final AtomicLong lastReload = new AtomicLong();
    private ExtensionContext extensionContext;
    /** The time every component of this server waits on. */
    private final ServerClock clock;
    /** Copy-on-write: the server API reads it on event loops while a reload changes it. */
    private final List<FerryExtension> started = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    private Transport transport;
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private Channel serverChannel;
    /** What the server holds once started; null before. */
    private ServerAssembly assembly;
    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private FerryMetrics metrics;
    private TlsContext tls;
    private ScheduledExecutorService tlsReloader;
    /** Frees expired history, idle topics and expired sessions about once a second, off the event loops. */
    private ScheduledExecutorService housekeeping;
    /** Sets up each accepted connection; set once started. */
    private volatile FerryChannelInitializer initializer;
    private Engine engine;
    /** Events out to {@code hooks.events.url}; null when none are sent. */
    /** Events out (null: none sent); a reload may make, reconfigure or close it, under {@link #lock}. */
    private dev.ferry.server.hooks.EventsOut eventsOut;
    /** The HTTP client of every backend hook, events out and procedures served over HTTP included. */
    private dev.ferry.server.hooks.BackendClient backends;
    private boolean closed;

    private FerryServer(FerryConfig config, List<FerryExtension> extensions, ServerClock clock, String hostOverride,
                        Integer portOverride, ConfigSource source, java.util.function.Consumer<FerryConfig> onReload) {
        this.config = config;
        this.extensions = List.copyOf(extensions);
        this.clock = clock;
        this.hostOverride = hostOverride;
        this.portOverride = portOverride;
        this.source = source;
        this.onReload = onReload;
        io.micrometer.core.instrument.Gauge.builder("ferry.config.version", configVersion, AtomicLong::get)
                .description("version of the configuration in force: 1 at start, one more per reload that took a change")
                .register(meters);
        io.micrometer.core.instrument.Gauge.builder("ferry.config.last.reload.timestamp", lastReload, AtomicLong::get)
                .baseUnit("seconds").description("when the configuration was last reloaded (epoch seconds; 0: never)")
                .register(meters);
        for (ReloadResult.Result r : ReloadResult.Result.values()) {
            reloadCounter(r);
        }
    }

    /**
     * Reads a server's configuration again for {@link #reload()}: the file, environment and settings it was started
     * from. Called off the event loops; may block.
     */
    @FunctionalInterface
    public interface ConfigSource {
        /** The configuration as it reads now, with the extensions it asks for (not started); a ConfigException says why not. */
        Loaded load();

        /** A configuration and its extensions (made, not started). */
        record Loaded(FerryConfig config, List<FerryExtension> extensions) {
            public Loaded {
                java.util.Objects.requireNonNull(config, "config");
                extensions = List.copyOf(extensions);
            }
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Binds the port and starts serving. Returns the bound port (useful with port 0). */
    public int start() {
        synchronized (lock) {
            if (serverChannel != null || closed) {
                throw new IllegalStateException(closed ? "server is closed" : "server already started");
            }
            ServerConfig sc = config.server();
            Security security = new Security(config, clock);
            ServerAssembly a;
            try {
                if (config.tls().enabled()) {
                    tls = new TlsContext(config.tls());
                    long every = config.tls().reloadInterval().toMillis();
                    tlsReloader = Executors.newSingleThreadScheduledExecutor(r -> {
                        Thread t = new Thread(r, "ferry-tls-reload");
                        t.setDaemon(true);
                        return t;
                    });
                    tlsReloader.scheduleWithFixedDelay(tls::reloadIfChanged, every, every, TimeUnit.MILLISECONDS);
                }
                transport = Transport.select(sc.nativeTransport());
                bossGroup = transport.newGroup(1, "ferry-accept");
                workerGroup = transport.newGroup(
                        sc.ioThreads() > 0 ? sc.ioThreads() : Runtime.getRuntime().availableProcessors(), "ferry-io");
                engine = createEngine(config, clock);
                Hub hub = new Hub(config.history(), engine);
                var hc = config.hooks();
                backends = new dev.ferry.server.hooks.BackendClient(
                        hc.breakerFailures(), hc.breakerCoolDown(), hc.maxResponseBytes(), meters, clock);
                dev.ferry.server.hooks.Hooks hooks = new dev.ferry.server.hooks.Hooks(hc, backends);
                Rpc rpc = new Rpc(config.rpc(), meters, clock);
                rpc.remote(engine.remoteProcedures());
                hub.topicRates(clock);
                if (!hc.rpc().isEmpty()) {
                    rpc.http(new dev.ferry.server.rpc.HttpProcedures(hc.rpc(), backends, clock));
                }
                engine.start(hub, rpc);
                assembly = ServerAssembly.of(config, security, hub, rpc, meters, clock, hooks);
                a = assembly;
                a.http().upgradeRoute(new dev.ferry.server.wamp.WampRouter(a.http().webSockets(), a.http().cluster()));
                if (source != null) { // without one, POST /v1/admin/reload answers 503 (docs/http-api.md)
                    a.http().reloader().set(() -> CompletableFuture.supplyAsync(this::reload, reloads));
                }
                metrics = new FerryMetrics(meters, a.channels(), a.queues(), a.byteCounter(), a.reassembly(),
                        security.counters(), hub, a.tunnels(), a.sessions().presence(), a.sessions().resumableSessions());
                if (hc.events().enabled()) {
                    eventsOut = new dev.ferry.server.hooks.EventsOut(hc.events(), backends, clock, meters,
                            a.sessions().connections().node());
                    a.sessions().connections().eventsOut(eventsOut);
                    a.sessions().presence().eventsOut(eventsOut);
                    eventsOut.start();
                }
                startHousekeeping(engine, a.sessions().resumableSessions());
                startExtensions(hub, a.sessions().connectionFactory(), security);
                a.http().extensions().set(() -> started);
            } catch (RuntimeException | Error e) {
                failedStart(security);
                throw e;
            }
            initializer = new FerryChannelInitializer(config, a.channels(), security, a.byteCounter(),
                    () -> new HttpRouter(a.http()), tls, clock);
            ServerBootstrap b = new ServerBootstrap()
                    .group(bossGroup, workerGroup)
                    .channel(transport.serverChannelClass())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                    .childHandler(initializer);
            a.http().cluster().start(a.http(), engine);
            try {
                serverChannel = b.bind(sc.host(), sc.port()).sync().channel();
            } catch (Exception e) {
                failedStart(security);
                if (e instanceof java.nio.channels.UnresolvedAddressException) {
                    throw new ConfigException("server.host: \"" + sc.host()
                            + "\" (expected: an address of this machine; the name does not resolve)");
                }
                throw new IllegalStateException("cannot bind " + sc.host() + ":" + sc.port() + ": "
                        + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()), e);
            }
            int port = port();
            a.http().cluster().bound(hostForUri() + ":" + port);
            log.info("Ferry listening on {}:{} ({} transport{})", sc.host(), port, transport.name(),
                    tls != null ? ", TLS" : "");
            return port;
        }
    }

    /** The bound port; only valid after {@link #start()}. */
    public int port() {
        return address().getPort();
    }

    public InetSocketAddress address() {
        synchronized (lock) {
            if (serverChannel == null) {
                throw new IllegalStateException("server not started");
            }
            return (InetSocketAddress) serverChannel.localAddress();
        }
    }

    /** {@code ws://host:port/v1/ws} ({@code wss://} with TLS), the ferry.v1 endpoint. */
    public URI webSocketUri() {
        return URI.create((config.tls().enabled() ? "wss://" : "ws://") + hostForUri() + ":" + port() + "/v1/ws");
    }

    /** {@code http://host:port} ({@code https://} with TLS), the base of the HTTP API. */
    public URI httpUri() {
        return URI.create((config.tls().enabled() ? "https://" : "http://") + hostForUri() + ":" + port());
    }

    private String hostForUri() {
        String h = config.server().host();
        if (h.equals("0.0.0.0")) {
            return "127.0.0.1";
        }
        if (h.equals("::") || h.equals("[::]")) {
            return "[::1]";
        }
        return h.contains(":") && !h.startsWith("[") ? "[" + h + "]" : h;
    }

    public FerryConfig config() {
        return config;
    }

    /**
     * Whether the HTTP API accepts requests: some API key or token issuer is configured (otherwise it answers
     * {@code 403 api_disabled}); only valid after {@link #start()}.
     */
    public boolean apiEnabled() {
        return started().sessions().security().authenticator().apiEnabled();
    }

    /** The server's meter registry (scraped at {@code GET /metrics}); an embedding application may add its own. */
    public PrometheusMeterRegistry meterRegistry() {
        return meters;
    }

    private ServerAssembly started() {
        ServerAssembly c;
        synchronized (lock) {
            c = assembly;
        }
        if (c == null) {
            throw new IllegalStateException("server not started");
        }
        return c;
    }

    /** Current counters; only valid after {@link #start()}. */
    public ServerMetrics metrics() {
        ServerAssembly c = started();
        return new ServerMetrics(c.channels().openChannels(), c.channels().openSessions(), c.sessions().hub().subscriptions(),
                c.sessions().rpc().pendingCalls(), c.queues().slowConsumerCloses(), c.queues().lossyDrops());
    }

    /**
     * Resumable sessions this node keeps (docs/protocol.md §4.5): attached to a connection, or awaiting their
     * client; only valid after {@link #start()}.
     */
    public int resumableSessionsKept() {
        return started().sessions().resumableSessions().store().size();
    }

    /** The counters of every tunnel route (docs/amqp.md); only valid after {@link #start()}. */
    public List<TunnelStats> tunnelStats() {
        return started().tunnels().stats();
    }

    /** Security counters (refused credentials, denials, rate limits, ...); only valid after {@link #start()}. */
    public dev.ferry.server.auth.SecurityCounters.Snapshot securityMetrics() {
        return started().sessions().security().counters().snapshot();
    }

    /** {@code config} with {@code host} and {@code port} in place of its own when given. */
    private static FerryConfig overridden(FerryConfig config, String host, Integer port) {
        ServerConfig s = config.server();
        return config.withServer(new ServerConfig(host != null ? host : s.host(),
                port != null ? port : s.port(), s.ioThreads(), s.nativeTransport(), s.shutdownGrace()));
    }

    /** The version of the configuration in force: 1 at start, one more for each reload that took a change. */
    public long configVersion() {
        return configVersion.get();
    }

    /**
     * Reads the configuration again from the builder's {@link Builder#configSource source} and applies it as
     * {@link #reload(FerryConfig, List)} does; an invalid one is {@code rejected} with the message a start would
     * give. Without a source, the result is {@code rejected}. Blocks; call it off the event loops.
     */
    public ReloadResult reload() {
        if (source == null) {
            return rejected("this server has no configuration file to read again "
                    + "(started without --config; embedded, call FerryServer.reload(config))");
        }
        ConfigSource.Loaded loaded;
        try {
            loaded = source.load();
        } catch (RuntimeException e) {
            return rejected(e.getMessage() != null ? e.getMessage() : e.toString());
        }
        return reload(loaded.config(), loaded.extensions());
    }

    /** As {@link #reload(FerryConfig, List)}, leaving the extensions as they are. */
    public ReloadResult reload(FerryConfig next) {
        return reload(next, null);
    }

    /**
     * Applies {@code next} without dropping connections (docs/operations.md, "Reloading the configuration"): the
     * settings a running server takes ({@link ConfigChanges#LIVE}) are swapped in; connections whose permissions
     * the new rules revoke lose exactly what was revoked, each told as its transport allows; every other change is
     * reported as needing a restart and not applied. {@code extensions} (when not null) are the extensions the new
     * configuration asks for: one whose {@link FerryExtension#settings()} differ from the running one's replaces it,
     * a new one is started, a running one with settings that is not among them is closed.
     *
     * <p>The builder's host and port stay. A configuration the server cannot take (an event class schema that does
     * not compile, a tunnel route whose TLS cannot be set up) is {@code rejected} and nothing changes. Blocks while
     * extensions start and stop; call it off the event loops. Reloads run one at a time.
     */
    public ReloadResult reload(FerryConfig next, List<FerryExtension> extensions) {
        Objects.requireNonNull(next, "next");
        synchronized (reloads) {
            ServerAssembly a;
            synchronized (lock) {
                a = assembly;
                if (a == null || closed) {
                    throw new IllegalStateException(closed ? "server is closed" : "server not started");
                }
            }
            FerryConfig running = config;
            ConfigChanges changes;
            EventClasses events;
            Security.Pending security = null;
            try {
                java.util.Set<String> alsoLive = new java.util.HashSet<>();
                if (a.sessions().hub().engine().reloadsHistory()) {
                    alsoLive.addAll(ConfigChanges.HISTORY);
                }
                changes = ConfigChanges.between(running, overridden(next, hostOverride, portOverride), alsoLive);
                // schema files may have changed on disk whether or not the keys did: compiled again at each reload
                events = changes.applied().events().classes().isEmpty() && !changes.changed().contains("events.<name>")
                        ? a.sessions().events() : EventClasses.compile(changes.applied().events());
                security = a.sessions().security().reloading(changes.applied());
                a.tunnels().reload(changes.applied().tunnel());
            } catch (RuntimeException e) {
                if (security != null) {
                    security.discard();
                }
                return rejected(e.getMessage() != null ? e.getMessage() : e.toString());
            }
            FerryConfig applied = changes.applied();
            List<String> changed = new ArrayList<>(changes.changed());
            List<String> restart = new ArrayList<>(changes.restartNeeded());
            security.apply();
            a.sessions().connectionFactory().reload(applied.limits(), events);
            a.reassembly().limit(applied.limits().reassemblyBytes());
            if (applied.limits().maxTopics() != running.limits().maxTopics()
                    && a.sessions().hub().engine() instanceof MemoryEngine memory) {
                memory.maxTopics(applied.limits().maxTopics());
            }
            a.http().originPolicy().reload(applied.web());
            initializer.corsOrigins(applied.web().corsOrigins());
            initializer.maxBodyBytes(applied.http().maxBodyBytes());
            if (!applied.websocket().equals(running.websocket())) {
                a.http().webSockets().webSocketSettings().reload(applied.websocket());
            }
            a.sessions().presence().reload(applied.presence());
            if (!applied.history().equals(running.history())) {
                a.sessions().hub().reloadHistory(applied.history());
            }
            a.sessions().stateChannels().reload(applied.state());
            if (!applied.hooks().equals(running.hooks())) {
                reloadHooks(a, running.hooks(), applied.hooks());
            }
            a.sessions().liveConfig().set(applied);
            config = applied;
            if (changed.stream().anyMatch(k -> k.startsWith("auth.") || k.startsWith("http.api-keys"))) {
                rescope(a);
            }
            if (extensions != null) {
                reloadExtensions(extensions, changed, restart);
            }
            if (onReload != null) {
                try {
                    onReload.accept(applied);
                } catch (RuntimeException e) {
                    log.warn("the reload listener failed", e);
                }
            }
            boolean took = changed.size() > restart.size();
            long version = took ? configVersion.incrementAndGet() : configVersion.get();
            ReloadResult result = new ReloadResult(restart.isEmpty() ? ReloadResult.Result.APPLIED
                    : ReloadResult.Result.RESTART_NEEDED, version, changed, restart, null);
            counted(result);
            if (restart.isEmpty()) {
                log.info(result.describe());
            } else {
                log.warn(result.describe());
            }
            return result;
        }
    }

    /**
     * Swaps in the hooks of {@code next} (docs/operations.md, "Reloading the configuration"): the connect, refresh,
     * subscribe and publish hooks for the calls made from now on, the procedures served over HTTP for the next call,
     * events out reconfigured in place (its queue kept), made, or closed.
     */
    private void reloadHooks(ServerAssembly a, dev.ferry.server.config.HooksConfig before,
                             dev.ferry.server.config.HooksConfig next) {
        a.sessions().connectionFactory().hooks().reload(next);
        Rpc rpc = a.sessions().rpc();
        if (!next.rpc().equals(before.rpc())) {
            rpc.http(next.rpc().isEmpty() && rpc.http() == null ? null
                    : new dev.ferry.server.rpc.HttpProcedures(next.rpc(), backends, clock, rpc.http()));
        }
        if (next.events().equals(before.events())) {
            return;
        }
        if (!Objects.equals(next.events().url(), before.events().url())) {
            backends.forget(dev.ferry.server.hooks.EventsOut.HOOK);
        }
        synchronized (lock) {
            if (eventsOut != null && next.events().enabled()) {
                eventsOut.reload(next.events());
            } else if (eventsOut != null) {
                a.sessions().connections().eventsOut(dev.ferry.server.hooks.EventsOut.NONE);
                a.sessions().presence().eventsOut(dev.ferry.server.hooks.EventsOut.NONE);
                eventsOut.close();
                eventsOut = null;
            } else if (next.events().enabled()) {
                eventsOut = new dev.ferry.server.hooks.EventsOut(next.events(), backends, clock, meters,
                        a.sessions().connections().node());
                a.sessions().connections().eventsOut(eventsOut);
                a.sessions().presence().eventsOut(eventsOut);
                eventsOut.start();
            }
        }
    }

    private ReloadResult rejected(String why) {
        ReloadResult r = ReloadResult.rejected(configVersion.get(), why);
        counted(r);
        log.error(r.describe());
        return r;
    }

    private void counted(ReloadResult r) {
        lastReload.set(clock.millis() / 1000);
        reloadCounter(r.result()).increment();
    }

    private io.micrometer.core.instrument.Counter reloadCounter(ReloadResult.Result r) {
        return io.micrometer.core.instrument.Counter.builder("ferry.config.reload").tag("result", r.wire())
                .description("configuration reloads by result").register(meters);
    }

    /**
     * Gives every open connection its identity's scope under the new rules, on its own event loop, where its
     * transport drops what is no longer allowed. A connection opened with an API key takes the key's new grants
     * (none when the key was removed).
     */
    private static void rescope(ServerAssembly a) {
        var security = a.sessions().security();
        for (var c : a.sessions().connections().all()) {
            try {
                c.executor().execute(() -> {
                    var who = c.identity();
                    if (who.kind() == dev.ferry.server.auth.Identity.Kind.API_KEY) {
                        who = security.authenticator().apiKeyIdentity(who.name());
                    }
                    c.permissionsChanged(security.permissions().scope(who));
                });
            } catch (RuntimeException e) {
                // the loop has shut down: its connections are gone
            }
        }
    }

    /**
     * Starts, replaces and closes extensions as {@link #reload(FerryConfig, List)} says; adds what changed to
     * {@code changed} ({@code <name>.*}), and to {@code restart} when the change needs one (an engine's extension,
     * an extension without settings).
     */
    private void reloadExtensions(List<FerryExtension> next, List<String> changed, List<String> restart) {
        java.util.Set<String> offered = new java.util.HashSet<>();
        for (FerryExtension n : next) {
            offered.add(n.name());
            int i = indexOfStarted(n.name());
            FerryExtension running = i < 0 ? null : started.get(i);
            if (running != null && running.settings() != null && running.settings().equals(n.settings())) {
                continue;
            }
            if (running != null && (running.settings() == null || n.settings() == null)) {
                continue; // nothing to compare: left as it is
            }
            changed.add(n.name() + ".*");
            if (n instanceof EngineExtension || running instanceof EngineExtension) {
                restart.add(n.name() + ".*");
                continue;
            }
            if (running != null && tookInPlace(running, n)) {
                log.info("extension {} took its new settings in place", running.name());
                continue;
            }
            if (running != null) {
                running.close();
                started.remove(i);
                log.info("extension {} closed: its settings changed", running.name());
            }
            try {
                n.start(extensionContext);
                started.add(n);
                log.info("extension {} started", n.name());
            } catch (Exception ex) {
                n.close();
                log.error("extension {} failed to start on reload: {}", n.name(), ex.getMessage(), ex);
            }
        }
        for (FerryExtension running : List.copyOf(started)) {
            if (!offered.contains(running.name()) && running.settings() != null && !(running instanceof EngineExtension)) {
                changed.add(running.name() + ".*");
                running.close();
                started.remove(running);
                log.info("extension {} closed: the configuration no longer asks for it", running.name());
            }
        }
    }

    /** Whether {@code running} took {@code next}'s settings itself ({@link FerryExtension#reload}). */
    private static boolean tookInPlace(FerryExtension running, FerryExtension next) {
        try {
            return running.reload(next);
        } catch (RuntimeException e) {
            log.warn("extension {} could not reload in place, restarting it: {}", running.name(), e.toString());
            return false;
        }
    }

    private int indexOfStarted(String name) {
        for (int i = 0; i < started.size(); i++) {
            if (started.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** Drains and stops; see the class comment. Idempotent and safe to call from any thread but an event loop. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (serverChannel == null) {
                return;
            }
            long graceMs = config.server().shutdownGrace().toMillis();
            log.info("Ferry draining (grace {} ms)", graceMs);
            serverChannel.close().syncUninterruptibly();
            try {
                if (!assembly.channels().drain().await(graceMs, TimeUnit.MILLISECONDS)) {
                    log.warn("{} connection(s) still open after the grace period; closing them",
                            assembly.channels().openChannels());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            assembly.channels().closeAll();
            assembly.sessions().security().close();
            assembly.sessions().presence().close();
            if (eventsOut != null) {
                eventsOut.close();
            }
            closeExtensions();
            shutdownGroups();
            engine.close();
            reloads.shutdownNow();
            log.info("Ferry stopped");
        }
    }

    /** Runs the engine's and the session store's expiry every second of the server's clock, on a thread of its own. */
    private void startHousekeeping(Engine engine, ResumableSessions resumable) {
        housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ferry-housekeeping");
            t.setDaemon(true);
            return t;
        });
        var sessions = resumable.store();
        clock.scheduleAtFixedRate(housekeeping, () -> {
            try {
                engine.expire();
                sessions.expire();
                ServerAssembly assembled = assembly;
                if (assembled != null) {
                    assembled.http().cluster().tick();
                }
            } catch (RuntimeException e) {
                log.warn("housekeeping failed; trying again in a second", e);
            }
        }, HOUSEKEEPING_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** The in-memory engine, or the one the registered {@link EngineExtension} named by {@code engine} offers. */
    private Engine createEngine(FerryConfig config, ServerClock clock) {
        String name = config.engine().engine();
        if (name.equals("memory")) {
            return new MemoryEngine(config.history(), config.limits().maxTopics(), clock,
                    new dev.ferry.server.engine.RecentPubIds(config.engine().dedupWindow(), config.engine().dedupMaxIds(),
                            clock::nanoTime));
        }
        for (FerryExtension e : extensions) {
            if (e instanceof EngineExtension x && x.name().equals(name)) {
                return x.engine(config, clock);
            }
        }
        throw new IllegalStateException("engine: " + name + " is offered by no extension of this server (add the ferry-"
                + name + " module; embedded, register its extension on the builder: docs/redis.md)");
    }

    private void startExtensions(Hub hub, dev.ferry.server.connection.ConnectionFactory connections, Security security) {
        ExtensionContext ec = new ExtensionContext(config, hub, meters,
                new dev.ferry.server.connection.ExtensionConnections(connections, security));
        extensionContext = ec;
        for (FerryExtension e : extensions) {
            try {
                e.start(ec);
                started.add(e);
                log.info("extension {} started", e.name());
            } catch (Exception ex) {
                e.close();
                closeExtensions();
                shutdownGroups();
                engine.close();
                throw new IllegalStateException("extension " + e.name() + " failed to start: " + ex.getMessage(), ex);
            }
        }
    }

    private void closeExtensions() {
        for (int i = started.size() - 1; i >= 0; i--) {
            FerryExtension e = started.get(i);
            try {
                e.close();
            } catch (RuntimeException ex) {
                log.warn("extension {} failed to close", e.name(), ex);
            }
        }
        started.clear();
    }

    /**
     * Undoes what a start that failed had made (a schema that does not compile, an engine that does not start, a
     * port that does not bind): no thread of the server's is left running. The server is closed.
     */
    private void failedStart(Security security) {
        closed = true;
        ServerAssembly a = assembly;
        assembly = null;
        try {
            if (eventsOut != null) {
                eventsOut.close();
            }
            if (a != null) {
                a.sessions().presence().close();
            }
            closeExtensions();
            shutdownGroups();
            if (engine != null) {
                engine.close();
            }
        } catch (RuntimeException e) {
            log.warn("cleaning up after a failed start failed", e);
        } finally {
            security.close();
            reloads.shutdownNow();
        }
    }

    private void shutdownGroups() {
        if (metrics != null) {
            metrics.close();
        }
        if (tlsReloader != null) {
            tlsReloader.shutdownNow();
        }
        if (housekeeping != null) {
            housekeeping.shutdownNow();
        }
        if (workerGroup != null) {
            workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (bossGroup != null) {
            bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Builds a {@link FerryServer}; settings given here override those of {@link #config(FerryConfig)}. */
    public static final class Builder {
        private FerryConfig config = FerryConfig.DEFAULT;
        private String host;
        private Integer port;
        private final List<FerryExtension> extensions = new ArrayList<>();
        private ServerClock clock = ServerClock.system();
        private ConfigSource source;
        private java.util.function.Consumer<FerryConfig> onReload;

        private Builder() {
        }

        /**
         * Runs {@code listener} with the configuration in force after each reload that was not rejected (on the
         * reloading thread): what the server does not apply itself, such as log levels, follows it there.
         */
        public Builder onReload(java.util.function.Consumer<FerryConfig> listener) {
            this.onReload = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Where {@link FerryServer#reload()} (SIGHUP, the watched file, {@code POST /v1/admin/reload}) reads the
         * configuration again; without one, only {@link FerryServer#reload(FerryConfig)} reloads.
         */
        public Builder configSource(ConfigSource source) {
            this.source = Objects.requireNonNull(source, "source");
            return this;
        }

        /**
         * The time the server's expiries, timeouts and timers follow; {@link ServerClock#system()} unless set. Tests
         * pass a clock they advance instead of sleeping.
         */
        public Builder clock(ServerClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Runs {@code extension} with the server; see {@link FerryExtension} for its lifecycle. */
        public Builder extension(FerryExtension extension) {
            extensions.add(Objects.requireNonNull(extension, "extension"));
            return this;
        }

        public Builder config(FerryConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public FerryServer build() {
            ServerConfig s = config.server();
            return new FerryServer(overridden(config, host, port), extensions, clock, host, port, source, onReload);
        }
    }
}
