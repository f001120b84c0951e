package dev.ferry.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.client.internal.Backoff;
import dev.ferry.client.internal.ClosePolicy;
import dev.ferry.client.internal.Connection;
import dev.ferry.client.internal.Json;
import dev.ferry.client.internal.ProxyRelay;
import dev.ferry.protocol.CancelMode;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.InvokePolicy;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.Topics;
import dev.ferry.protocol.proxy.ProxySettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ferry.v1 client on the JDK's {@code java.net.http.WebSocket}.
 *
 * <pre>{@code
 * try (FerryClient client = FerryClient.connect(URI.create("ws://127.0.0.1:8080/v1/ws"))) {
 *     client.subscribe("chat.*", m -> System.out.println(m.topic() + " " + m.data())).join();
 *     long offset = client.publishAck("chat.room1", Map.of("text", "hi")).join();
 *     client.register("math.add", args -> args.get(0).asInt() + args.get(1).asInt()).join();
 *     JsonNode sum = client.call("math.add", List.of(2, 3), Duration.ofSeconds(5)).join();
 * }
 * }</pre>
 *
 * <p>Lifecycle: {@link #builder()} ... {@code build()}, then {@link #connect()} once, then commands, then
 * {@link #close()} (idempotent). With reconnect enabled (the default) a lost connection is re-opened after a
 * jittered exponential backoff, or after the server's {@code goaway} hint, and every subscription and registration
 * is re-established on it. Commands in flight when a connection drops fail with {@link FerryException#CONNECTION_LOST};
 * {@code publish} and {@code call} while disconnected fail with {@link FerryException#NOT_CONNECTED};
 * {@code subscribe} and {@code register} while disconnected complete once the client is connected again.
 *
 * <p>Threading: every method is thread-safe. Message and procedure handlers run on one dispatch thread per client,
 * in order. Futures returned by the client are completed on its network threads: do not block in callbacks attached
 * to them (use the {@code ...Async} variants with your own executor for slow work). Handlers may block on the
 * client's futures, except on a call that the server may route back to this same client (its handler would wait
 * behind the blocked one).
 */
public final class FerryClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FerryClient.class);

    /** Where the client is in its lifecycle. */
    public enum State { NEW, CONNECTING, CONNECTED, RECONNECTING, CLOSED }

    private final URI uri;
    /** {@link #uri} first, then the failover nodes: each (re)connect attempt after the first goes to the next. */
    private final List<URI> uris;
    private final java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong duplicatesSkipped = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong sessionsResumed = new java.util.concurrent.atomic.AtomicLong();
    private final boolean reconnect;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    /** How long {@link #publishAcked} keeps trying a publication whose outcome is unknown. */
    private final Duration publishRetry;
    private final long maxQueuedBytes;
    private final ConnectionListener listener;
    /** Where server-side subscriptions go; null when the application takes none. */
    private final ServerSubscriptionListener serverListener;
    /** The patterns the server subscribed the current connection to. Under {@link #lock}. */
    private final java.util.Set<String> serverPatterns = new java.util.LinkedHashSet<>();
    private final HttpClient http;
    /** The relay through the HTTP proxy ({@link Builder#proxy}), or null. */
    private final ProxyRelay proxyRelay;
    private final ScheduledExecutorService timer;
    private final ExecutorService dispatcher;
    private final AtomicLong requestIds = new AtomicLong();
    private final ConcurrentHashMap<Long, Pending> pending = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private volatile Thread dispatchThread;

    private final Object lock = new Object();
    // ---- guarded by lock
    private final Backoff backoff;
    private State state = State.NEW;
    private Connection current;
    private boolean everConnected;
    private ScheduledFuture<?> reconnectTask;
    private CompletableFuture<FerryClient> firstConnect;
    private final Map<String, List<SubscriptionImpl>> subscriptions = new LinkedHashMap<>();
    /**
     * The last publication delivered per topic, in its epoch: sent as {@code since} when subscriptions are
     * restored after a reconnect, and used to skip a publication delivered twice. Guarded by {@link #lock}.
     */
    private final Map<String, Frame.Position> positions = new LinkedHashMap<>();
    private final Map<String, RegistrationImpl> registrations = new LinkedHashMap<>();
    /** Patterns subscribed durably (docs/protocol.md §4.5): the server keeps them across disconnects. */
    private final java.util.Set<String> durable = new java.util.HashSet<>();
    /** Per topic subscribed with presence: the client info sent with {@code sub} ({@code null}: none). */
    private final Map<String, Payload> presenceInfo = new java.util.HashMap<>();
    /** The filter of each pattern that has one (docs/protocol.md §4.4). Guarded by {@link #lock}. */
    private final Map<String, String> filters = new java.util.HashMap<>();
    /** Per topic, the listeners of its presence changes (the topic is subscribed with {@code presence_events}). */
    private final Map<String, List<Presence.Listener>> presenceListeners = new java.util.HashMap<>();
    /** State channels followed (docs/protocol.md §4.6), by topic. */
    private final Map<String, StateReplica> replicas = new LinkedHashMap<>();
    /** Publications received twice (same topic, epoch and offset) and not handed to a handler again. */
    public long duplicatesSkipped() {
        return duplicatesSkipped.get();
    }

    /** How many times a reconnect resumed the server-side session (on the same node or, clustered, another). */
    public long sessionsResumed() {
        return sessionsResumed.get();
    }

    /** The token of this client's server-side session, resumed after a reconnect; null before the first answer. */
    private String sessionToken;

    private FerryClient(Builder b) {
        this.uri = b.uri;
        List<URI> all = new ArrayList<>();
        all.add(b.uri);
        all.addAll(b.failover);
        this.uris = List.copyOf(all);
        this.reconnect = b.reconnect;
        this.connectTimeout = b.connectTimeout;
        this.requestTimeout = b.requestTimeout;
        this.publishRetry = b.publishRetry;
        this.maxQueuedBytes = b.maxQueuedBytes;
        this.listener = b.listener;
        this.serverListener = b.serverListener;
        this.backoff = new Backoff(b.backoffMin, b.backoffMax);
        String name = "ferry-client@" + Integer.toHexString(System.identityHashCode(this));
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon(name + "-timer"));
        this.dispatcher = Executors.newSingleThreadExecutor(r -> {
            Thread t = daemon(name + "-dispatch").newThread(r);
            dispatchThread = t;
            return t;
        });
        if (b.proxy != null) {
            try {
                this.proxyRelay = new ProxyRelay(b.proxy, uris, connectTimeout);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the relay to proxy " + b.proxy.host() + ":" + b.proxy.port(), e);
            }
        } else {
            this.proxyRelay = null;
        }
        if (b.httpClient != null) {
            this.http = b.httpClient;
        } else {
            HttpClient.Builder hb = HttpClient.newBuilder().connectTimeout(connectTimeout);
            if (b.sslContext != null) {
                hb.sslContext(b.sslContext);
            }
            if (proxyRelay != null) {
                hb.proxy(proxyRelay.selector());
            }
            this.http = hb.build();
        }
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Connects with the default settings (reconnect on) and waits until connected. */
    public static FerryClient connect(URI uri) {
        return builder().uri(uri).build().connect();
    }

    // ------------------------------------------------------------ lifecycle

    /**
     * Connects and waits until connected (and any subscriptions or registrations made before are established).
     * Throws a {@link FerryException} ({@code connect_failed}) if the first attempt fails; a client whose first
     * attempt failed may try {@code connect()} again.
     */
    public FerryClient connect() {
        try {
            return connectAsync().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FerryException(FerryException.CONNECT_FAILED, "interrupted while connecting to " + uri, null, e);
        } catch (ExecutionException e) {
            throw asFerryException(e.getCause());
        }
    }

    /** As {@link #connect()}, without blocking. */
    public CompletableFuture<FerryClient> connectAsync() {
        synchronized (lock) {
            if (state == State.CLOSED) {
                return CompletableFuture.failedFuture(closedError());
            }
            if (state != State.NEW) {
                return firstConnect;
            }
            state = State.CONNECTING;
            firstConnect = new CompletableFuture<>();
            attempt();
            return firstConnect;
        }
    }

    public URI uri() {
        return uri;
    }

    public State state() {
        synchronized (lock) {
            return state;
        }
    }

    public boolean isConnected() {
        return state() == State.CONNECTED;
    }

    /**
     * Completes when the client is done for good: normally after {@link #close()}, exceptionally with a
     * {@link FerryException} when the connection was lost and the client will not reconnect.
     */
    public CompletableFuture<Void> terminated() {
        return terminated.copy();
    }

    /**
     * Closes the client: stops reconnecting, fails commands still waiting for a reply ({@code client_closed}),
     * lets handlers already running or queued finish (so that their replies are sent; up to the connect timeout),
     * sends what is queued, closes the WebSocket with 1000 and waits briefly for the server's close. Idempotent.
     */
    @Override
    public void close() {
        Connection c;
        List<SubscriptionImpl> subs = new ArrayList<>();
        List<RegistrationImpl> regs;
        synchronized (lock) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
            if (reconnectTask != null) {
                reconnectTask.cancel(false);
            }
            c = current;
            current = null;
            subscriptions.values().forEach(subs::addAll);
            subscriptions.clear();
            regs = new ArrayList<>(registrations.values());
            registrations.clear();
            if (firstConnect != null) {
                firstConnect.completeExceptionally(closedError());
            }
        }
        FerryException closed = closedError();
        failPending(null, closed);
        subs.forEach(s -> s.ready.completeExceptionally(closed));
        regs.forEach(r -> r.ready.completeExceptionally(closed));
        if (proxyRelay != null) {
            proxyRelay.close();
        }
        dispatcher.shutdown();
        if (Thread.currentThread() != dispatchThread) {
            try {
                if (!dispatcher.awaitTermination(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    log.warn("handlers still running {} ms after close(); closing anyway", connectTimeout.toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (c != null) {
            try {
                c.close(1000, "client closed").thenCompose(v -> c.closedFuture())
                        .get(connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                log.debug("no clean close from {}: {}", uri, e.toString());
            }
            c.abort();
        }
        timer.shutdownNow();
        terminated.complete(null);
        log.debug("client for {} closed", uri);
    }

    private FerryException closedError() {
        return new FerryException(FerryException.CLIENT_CLOSED, "the client for " + uri + " is closed");
    }

    /** Opens a connection; on the timer thread or under the lock. */
    private void attempt() {
        URI target = uris.get(Math.floorMod(attempts.getAndIncrement(), uris.size()));
        Connection.open(http, target, connectTimeout, maxQueuedBytes, new Handler()).whenComplete((c, error) -> {
            if (error != null) {
                attemptFailed(asFerryException(error));
            } else {
                opened(c);
            }
        });
    }

    private void attemptFailed(FerryException error) {
        CompletableFuture<FerryClient> first = null;
        synchronized (lock) {
            if (state == State.CLOSED) {
                return;
            }
            if (!everConnected) {
                state = State.NEW;
                first = firstConnect;
            } else {
                long delay = backoff.nextDelayMs();
                log.info("reconnect to {} failed ({}); next attempt in {} ms", uri, error.getMessage(), delay);
                scheduleAttempt(delay);
            }
        }
        if (first != null) {
            first.completeExceptionally(error);
        } else {
            notifyListener(() -> listener.onReconnectFailed(error));
        }
    }

    private void scheduleAttempt(long delayMs) {
        state = State.RECONNECTING;
        try {
            reconnectTask = timer.schedule(() -> {
                synchronized (lock) {
                    if (state == State.RECONNECTING) {
                        attempt();
                    }
                }
            }, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            log.debug("timer stopped; not reconnecting");
        }
    }

    private void opened(Connection c) {
        boolean reconnected;
        List<String> patterns;
        List<String> procs;
        List<StateReplica> states;
        synchronized (lock) {
            if (state == State.CLOSED) {
                c.abort();
                return;
            }
            if (c.isClosed()) {
                // Closed before we could use it (e.g. refused right after the upgrade): count it as a failed attempt.
                attemptFailedLocked();
                return;
            }
            reconnected = everConnected;
            everConnected = true;
            current = c;
            state = State.CONNECTED;
            patterns = new ArrayList<>(subscriptions.keySet());
            procs = new ArrayList<>(registrations.keySet());
            states = new ArrayList<>(replicas.values());
        }
        resumeSession(c).thenCompose(restored -> {
            List<CompletableFuture<?>> restoring = new ArrayList<>();
            for (String pattern : restored) {
                if (!patterns.contains(pattern)) { // unsubscribed while disconnected
                    restoring.add(request(c, id -> new Frame.Unsub(id, pattern), requestTimeout));
                }
            }
            for (String pattern : patterns) {
                if (restored.contains(pattern) && !hasPresence(pattern)) {
                    subscribed(pattern, null);
                    continue;
                }
                // a restored pattern with presence is subscribed again (without since: nothing is replayed
                // twice), since the server restores it without the presence info and events
                List<Frame.Position> since = restored.contains(pattern) ? List.of() : positionsFor(pattern);
                boolean isDurable = isDurable(pattern);
                restoring.add(request(c, id -> subFrame(id, pattern, since, isDurable), requestTimeout)
                        .whenComplete((r, e) -> {
                            if (e == null) {
                                recovered(r);
                            }
                            subscribed(pattern, e);
                        }));
            }
            for (String proc : procs) {
                InvokePolicy policy;
                synchronized (lock) {
                    RegistrationImpl reg = registrations.get(proc);
                    policy = reg == null ? InvokePolicy.DEFAULT : reg.policy;
                }
                restoring.add(request(c, id -> new Frame.Register(id, proc, policy), requestTimeout)
                        .whenComplete((r, e) -> registered(proc, e)));
            }
            for (StateReplica r : states) {
                restoring.add(follow(c, r, true));
            }
            return CompletableFuture.allOf(restoring.toArray(CompletableFuture[]::new));
        }).whenComplete((v, e) -> {
            CompletableFuture<FerryClient> first;
            synchronized (lock) {
                if (current != c) {
                    return;
                }
                backoff.reset();
                first = firstConnect;
            }
            if (reconnected) {
                resetPresenceListeners(c);
                log.info("reconnected to {}; restored {} subscription(s) and {} registration(s)",
                        uri, patterns.size(), procs.size());
            } else {
                log.debug("connected to {}", uri);
            }
            first.complete(this);
            notifyListener(() -> listener.onConnected(reconnected));
        });
    }

    /**
     * Sends {@code session} on a new connection: with the token of the session this client had, to resume it (its
     * durable subscriptions come back with what was published meanwhile, de-duplicated here by offset). Completes
     * with the patterns the server restored; empty when there was nothing to resume, or the server refused or
     * does not know the command (the client then subscribes again with its own positions, as without sessions).
     */
    private CompletableFuture<java.util.Set<String>> resumeSession(Connection c) {
        CompletableFuture<java.util.Set<String>> out = new CompletableFuture<>();
        resumeSession(c, 0, out);
        return out;
    }

    /**
     * Tries of a {@code session} answered {@code unavailable} (the session store is unreachable), 0.1 s to 2 s apart:
     * about 11 s in all, long enough for a node to get its connection to Redis back after a restart.
     */
    private static final int SESSION_TRIES = 10;

    /**
     * One try of {@link #resumeSession(Connection)}. {@code unavailable} means the server could not look the session
     * up (docs/protocol.md §4.5), not that it is gone: the token is kept and the lookup tried again, and after the
     * last try the client subscribes with its own positions, keeping the token for the next connection.
     */
    private void resumeSession(Connection c, int attempt, CompletableFuture<java.util.Set<String>> out) {
        String token;
        List<Frame.Position> since = new ArrayList<>();
        synchronized (lock) {
            token = sessionToken;
            if (token != null) {
                for (String pattern : durable) {
                    since.addAll(positionsFor(pattern));
                }
            }
        }
        request(c, id -> new Frame.Session(id, token, since.size() > MAX_SINCE ? since.subList(0, MAX_SINCE) : since),
                requestTimeout).whenComplete((r, e) -> {
            java.util.Set<String> restored = new java.util.HashSet<>();
            if (e != null) {
                FerryException f = asFerryException(e);
                if ("unavailable".equals(f.code())) {
                    if (attempt + 1 < SESSION_TRIES && !c.isClosed()) {
                        try {
                            timer.schedule(() -> resumeSession(c, attempt + 1, out), Math.min(2_000L, 100L << attempt),
                                    TimeUnit.MILLISECONDS);
                            return;
                        } catch (RejectedExecutionException closed) {
                            // closing: fall through
                        }
                    }
                    log.info("session on {} could not be looked up (the server's session store is unreachable); "
                            + "subscribing with own positions", uri);
                    out.complete(restored);
                    return;
                }
                if (!isTransient(f)) {
                    log.info("session on {} not resumed: {}: {}", uri, f.code(), f.getMessage());
                    synchronized (lock) {
                        sessionToken = null;
                    }
                }
                if ("session_refused".equals(f.code())) {
                    // ask for this connection's own session, so that the next reconnect can resume it
                    request(c, id -> new Frame.Session(id, null, List.of()), requestTimeout).whenComplete((r2, e2) -> {
                        if (e2 == null) {
                            tokenFrom(r2);
                        }
                        out.complete(restored);
                    });
                    return;
                }
                out.complete(restored);
                return;
            }
            JsonNode data = tokenFrom(r);
            if (data != null && data.path("resumed").asBoolean()) {
                sessionsResumed.incrementAndGet();
                for (JsonNode entry : data.path("subscriptions")) {
                    if (entry.has("dropped") || entry.has("error")) {
                        log.warn("durable subscription {} not restored by {}: {}", entry.path("topic").asText(), uri,
                                entry.has("dropped") ? entry.path("dropped").asText() : entry.path("error").asText());
                        continue;
                    }
                    restored.add(entry.path("topic").asText());
                    recovered(entry);
                }
            }
            out.complete(restored);
        });
    }

    /** Keeps the session token of a {@code session} result; returns the result's data. */
    private JsonNode tokenFrom(Frame reply) {
        if (!(reply instanceof Frame.Result r) || r.data() == null) {
            return null;
        }
        JsonNode data = Json.toNode(r.data());
        if (data.hasNonNull("token")) {
            synchronized (lock) {
                sessionToken = data.path("token").asText();
            }
        }
        return data;
    }

    /** The token of this client's server-side session (docs/protocol.md §4.5), once the server has answered. */
    public java.util.Optional<String> sessionToken() {
        synchronized (lock) {
            return java.util.Optional.ofNullable(sessionToken);
        }
    }

    private boolean isDurable(String pattern) {
        synchronized (lock) {
            return durable.contains(pattern);
        }
    }

    private void attemptFailedLocked() {
        if (!everConnected) {
            state = State.NEW;
            firstConnect.completeExceptionally(new FerryException(FerryException.CONNECT_FAILED,
                    "connection to " + uri + " closed right after opening"));
        } else {
            scheduleAttempt(backoff.nextDelayMs());
        }
    }

    private void connectionClosed(Connection c, int code, String reason, Throwable error) {
        String why = ClosePolicy.describe(code, reason);
        failPending(c, new FerryException(FerryException.CONNECTION_LOST,
                "connection to " + uri + " closed before the reply (" + why + ")", null, error));
        boolean again;
        List<SubscriptionImpl> subs = new ArrayList<>();
        List<RegistrationImpl> regs = new ArrayList<>();
        synchronized (lock) {
            if (current != c || state == State.CLOSED) {
                return;
            }
            serverPatterns.clear(); // the next connection is subscribed anew by the server
            current = null;
            again = reconnect && ClosePolicy.reconnectAfter(code);
            if (again) {
                long delay = c.goAwayMs() >= 0 ? Backoff.jitter(c.goAwayMs()) : backoff.nextDelayMs();
                if (c.goAwayMs() >= 0) {
                    log.info("server {} is going away; reconnecting in {} ms", uri, delay);
                } else {
                    log.warn("connection to {} lost ({}); reconnecting in {} ms", uri, why, delay);
                }
                scheduleAttempt(delay);
            } else {
                state = State.CLOSED;
                subscriptions.values().forEach(subs::addAll);
                subscriptions.clear();
                regs.addAll(registrations.values());
                registrations.clear();
                log.warn("connection to {} lost ({}); not reconnecting", uri, why);
            }
        }
        if (!again) {
            FerryException lost = new FerryException(FerryException.CONNECTION_LOST,
                    "connection to " + uri + " lost (" + why + ")", null, error);
            subs.forEach(s -> s.ready.completeExceptionally(lost));
            regs.forEach(r -> r.ready.completeExceptionally(lost));
            timer.shutdownNow();
            dispatcher.shutdown();
            terminated.completeExceptionally(lost);
        }
        notifyListener(() -> listener.onDisconnected(code, reason, again));
    }

    private void notifyListener(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.warn("connection listener failed", e);
        }
    }

    // ------------------------------------------------------------ requests and replies

    private record Pending(Connection connection, CompletableFuture<Frame> reply) {
    }

    /** Progress listeners of calls in flight, by request id. */
    private final Map<Long, java.util.function.Consumer<JsonNode>> progressListeners = new ConcurrentHashMap<>();
    /** Invocations of this client's procedures not yet answered, by invocation id. */
    private final Map<Long, InvocationImpl> invocations = new ConcurrentHashMap<>();

    /**
     * Sends a command built with a fresh request id; the future completes with its {@code result} (or
     * {@code pong}), or fails with the server's {@code error} as a {@link FerryException}.
     */
    private CompletableFuture<Frame> request(Connection c, LongFunction<Frame> command, Duration timeout) {
        long id = requestIds.incrementAndGet();
        CompletableFuture<Frame> reply = new CompletableFuture<>();
        pending.put(id, new Pending(c, reply));
        c.send(command.apply(id)).whenComplete((v, e) -> {
            if (e != null && pending.remove(id) != null) {
                reply.completeExceptionally(asFerryException(e));
            }
        });
        if (timeout != null) {
            try {
                ScheduledFuture<?> guard = timer.schedule(() -> {
                    if (pending.remove(id) != null) {
                        reply.completeExceptionally(new FerryException(FerryException.REQUEST_TIMEOUT,
                                "no reply from " + uri + " within " + timeout.toMillis() + " ms"));
                    }
                }, timeout.toMillis(), TimeUnit.MILLISECONDS);
                reply.whenComplete((f, e) -> guard.cancel(false));
            } catch (RejectedExecutionException e) {
                // closing: the reply fails with client_closed
            }
        }
        return reply;
    }

    /** Fails the requests sent on {@code c} (all requests when {@code c} is null). */
    private void failPending(Connection c, FerryException error) {
        for (Map.Entry<Long, Pending> e : pending.entrySet()) {
            if ((c == null || e.getValue().connection == c) && pending.remove(e.getKey(), e.getValue())) {
                e.getValue().reply.completeExceptionally(error);
            }
        }
    }

    private Connection connected(String what) {
        synchronized (lock) {
            if (state == State.CLOSED) {
                throw closedError();
            }
            if (current == null) {
                throw new FerryException(FerryException.NOT_CONNECTED, "cannot " + what + ": not connected to "
                        + uri + (state == State.RECONNECTING ? " (reconnecting)" : ""));
            }
            return current;
        }
    }

    private final class Handler implements Connection.Handler {
        @Override
        public void frame(Connection c, Frame frame) {
            if (frame instanceof Frame.Result r) {
                complete(r.id(), r);
            } else if (frame instanceof Frame.Pong p) {
                complete(p.id(), p);
            } else if (frame instanceof Frame.Error e) {
                Pending p = e.id() == 0 ? null : pending.remove(e.id());
                if (p != null) {
                    p.reply.completeExceptionally(new FerryException(e.code(), e.message(), Json.toNode(e.data())));
                } else {
                    log.warn("error from {}: {}: {}", uri, e.code(), e.message());
                }
            } else if (frame instanceof Frame.Msg m) {
                deliver(c, m);
            } else if (frame instanceof Frame.Invoke i) {
                invoke(c, i);
            } else if (frame instanceof Frame.Progress g) {
                java.util.function.Consumer<JsonNode> listener = progressListeners.get(g.id());
                if (listener != null) {
                    listener.accept(Json.toNode(g.data()));
                }
            } else if (frame instanceof Frame.Interrupt i) {
                interrupt(i);
            } else if (frame instanceof Frame.PresenceDiff d) {
                presenceDiff(c, d);
            } else if (frame instanceof Frame.ServerSub s) {
                serverSub(c, s);
            } else if (frame instanceof Frame.GoAway g) {
                log.debug("goaway from {}: {} (reconnect in {} ms)", uri, g.reason(), g.reconnectMs());
                c.goAway(g.reconnectMs());
            } else if (frame instanceof Frame.StateSnapshot || frame instanceof Frame.StatePatch) {
                stateFrame(c, frame);
            } else {
                log.debug("ignoring unexpected {} frame from {}", frame.type(), uri);
            }
        }

        private void complete(long id, Frame reply) {
            Pending p = pending.remove(id);
            if (p != null) {
                p.reply.complete(reply);
            }
        }

        @Override
        public void closed(Connection c, int closeCode, String reason, Throwable error) {
            connectionClosed(c, closeCode, reason, error);
        }
    }

    /** Runs a handler task for a frame of {@code c} on the dispatch thread, counting it for {@code c}'s flow control. */
    private void dispatch(Connection c, Runnable task) {
        c.taskQueued();
        try {
            dispatcher.execute(() -> {
                try {
                    task.run();
                } finally {
                    c.taskDone();
                }
            });
        } catch (RejectedExecutionException e) {
            c.taskDone(); // closed: drop it
        }
    }

    // ------------------------------------------------------------ pub/sub

    /**
     * Publishes without acknowledgement. {@code data} is a {@link JsonNode}, any value Jackson can serialize, or a
     * {@code byte[]} (sent as a binary publication). The future completes once the frame is handed to the socket.
     */
    public CompletableFuture<Void> publish(String topic, Object data) {
        try {
            checkTopic(topic);
            Payload payload = Json.toPayload(data);
            return connected("publish").send(new Frame.Pub(0, topic, payload, false));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** As {@link #publish(String, Object)}, with tags (see {@link #publishAck(String, Object, Map)}). */
    public CompletableFuture<Void> publish(String topic, Object data, Map<String, String> tags) {
        try {
            checkTopic(topic);
            Payload payload = Json.toPayload(data);
            return connected("publish").send(new Frame.Pub(0, topic, payload, false, Map.copyOf(tags)));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Publishes opaque bytes as a binary publication. */
    public CompletableFuture<Void> publish(String topic, byte[] data) {
        return publish(topic, (Object) data);
    }

    /**
     * Publishes and waits for the server's acknowledgement; the future yields the publication's offset. See
     * {@link #publishAcked(String, Object, Map)}, which it is, and which also yields the epoch.
     */
    public CompletableFuture<Long> publishAck(String topic, Object data) {
        return publishAck(topic, data, Map.of());
    }

    /**
     * As {@link #publishAck(String, Object)}, with tags (names {@code [A-Za-z_][A-Za-z0-9_]*}, string values; limits
     * in docs/protocol.md §4.4) that subscription filters can match and subscribers receive in {@link Message#tags()}.
     */
    public CompletableFuture<Long> publishAck(String topic, Object data, Map<String, String> tags) {
        return publishAcked(topic, data, tags).thenApply(Published::offset);
    }

    /** As {@link #publishAcked(String, Object, Map)}, without tags. */
    public CompletableFuture<Published> publishAcked(String topic, Object data) {
        return publishAcked(topic, data, Map.of());
    }

    /**
     * Publishes exactly once and waits for the server's acknowledgement; the future yields where the publication
     * stands (topic, epoch, offset). The publication carries a random {@code pub_id} of its own
     * (docs/protocol.md, "pub"). When its outcome is not known for sure ({@code outcome_unknown}, the connection lost
     * or not yet back, no answer within the request timeout) or it was not made for a passing reason
     * ({@code unavailable}, {@code too_many_pub_ids}, a full send queue), it is sent again with the same id, after a
     * growing delay, on whichever connection is current, until {@link Builder#publishRetry(Duration)} has passed: the
     * server publishes it once whatever the number of tries, and answers every try with the same position. The
     * future fails with the last error when the time is up, or at once for an error a retry cannot fix.
     */
    public CompletableFuture<Published> publishAcked(String topic, Object data, Map<String, String> tags) {
        try {
            checkTopic(topic);
            Payload payload = Json.toPayload(data);
            Map<String, String> t = Map.copyOf(tags);
            String pubId = newPubId();
            CompletableFuture<Published> result = new CompletableFuture<>();
            publishOnce(topic, payload, t, pubId, System.nanoTime() + publishRetry.toNanos(), 0, result);
            return result;
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** One try of {@link #publishAcked}; {@code attempt} counts the tries before it. */
    private void publishOnce(String topic, Payload payload, Map<String, String> tags, String pubId, long deadline,
                             int attempt, CompletableFuture<Published> result) {
        CompletableFuture<Frame> reply;
        try {
            reply = request(connected("publish"), id -> new Frame.Pub(id, topic, payload, true, tags, pubId), requestTimeout);
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        reply.whenComplete((r, e) -> {
            if (e == null) {
                JsonNode d = Json.toNode(((Frame.Result) r).data());
                result.complete(new Published(d.path("topic").asText(topic), d.path("epoch").asText(null),
                        d.path("offset").asLong()));
                return;
            }
            FerryException f = asFerryException(e);
            long delay = Math.min(2_000L, 100L << Math.min(attempt, 5));
            if (!retriesPublication(f.code()) || System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay) - deadline > 0) {
                result.completeExceptionally(f);
                return;
            }
            log.debug("publication {} on {} sent again after {}: {}", pubId, topic, f.code(), f.getMessage());
            try {
                timer.schedule(() -> publishOnce(topic, payload, tags, pubId, deadline, attempt + 1, result),
                        Backoff.jitter(delay), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException closed) {
                result.completeExceptionally(f);
            }
        });
    }

    /** Whether a publication that failed with {@code code} may have been made, or may be made by trying again. */
    private static boolean retriesPublication(String code) {
        return switch (code) {
            case "outcome_unknown", "unavailable", "too_many_pub_ids", "rate_limited", FerryException.CONNECTION_LOST,
                    FerryException.NOT_CONNECTED, FerryException.REQUEST_TIMEOUT, FerryException.SEND_QUEUE_FULL -> true;
            default -> false;
        };
    }

    /** 128 random bits, base64url: an id no other publication has (docs/protocol.md, "pub"). */
    private static String newPubId() {
        byte[] b = new byte[16];
        PUB_IDS.nextBytes(b);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static final java.security.SecureRandom PUB_IDS = new java.security.SecureRandom();

    private static void checkTopic(String topic) {
        String why = Topics.checkTopic(topic);
        if (why != null) {
            throw new FerryException(ErrorCode.BAD_TOPIC.wire(), why);
        }
    }

    /**
     * Subscribes {@code handler} to every topic matching {@code pattern} ({@code *} one word, {@code #} zero or
     * more). Completes once the server has confirmed; while disconnected, once the client has reconnected.
     */
    public CompletableFuture<Subscription> subscribe(String pattern, MessageHandler handler) {
        return subscribe(pattern, handler, false);
    }

    /**
     * As {@link #subscribe}, durably (docs/protocol.md §4.5): the server keeps the subscription while the client
     * is away, for its {@code session.ttl}, and on reconnect the client resumes its session and receives what was
     * published meanwhile, exactly once. A pattern is durable once any of its subscriptions is.
     */
    public CompletableFuture<Subscription> subscribeDurable(String pattern, MessageHandler handler) {
        return subscribe(pattern, handler, true);
    }

    /**
     * Subscribes to one concrete {@code topic} that keeps presence (docs/protocol.md §4.7), listed with
     * {@code info} (a JSON object as a {@link JsonNode}, or any value Jackson serializes to an object; {@code null}:
     * none), and, when {@code presenceListener} is not null, hearing the topic's joins and leaves. The info and the
     * listener are kept across reconnects; after one the listener gets a {@link Presence.Diff#reset() reset}.
     * Subscribing again to the topic replaces the info. Fails with {@code bad_presence} when the topic keeps no
     * presence or the info is refused, {@code forbidden} when the listener is not allowed.
     */
    public CompletableFuture<Subscription> subscribe(String topic, MessageHandler handler, Object info,
                                                     Presence.Listener presenceListener) {
        try {
            checkTopic(topic);
            Payload payload = info == null ? null : Json.toPayload(info);
            SubscriptionImpl s = new SubscriptionImpl(topic, Objects.requireNonNull(handler, "handler"), presenceListener);
            synchronized (lock) {
                presenceInfo.put(topic, payload);
                if (presenceListener != null) {
                    presenceListeners.computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>()).add(presenceListener);
                }
            }
            return subscribe(s, false);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Subscribes {@code handler} to {@code pattern} as {@code options} say: durably, with a filter, with presence
     * (see {@link SubscribeOptions}). A filter the server cannot parse fails the subscription with
     * {@code bad_filter} (its message points at the problem).
     */
    public CompletableFuture<Subscription> subscribe(String pattern, MessageHandler handler, SubscribeOptions options) {
        if (options.presenceInfo() != null || options.presenceListener() != null) {
            if (options.durable() || options.filter() != null) {
                return CompletableFuture.failedFuture(new IllegalArgumentException(
                        "presence options go with a plain subscription to a concrete topic"));
            }
            return subscribe(pattern, handler, options.presenceInfo(), options.presenceListener());
        }
        String why = Topics.checkPattern(pattern);
        if (why != null) {
            return CompletableFuture.failedFuture(new FerryException(ErrorCode.BAD_TOPIC.wire(), why));
        }
        synchronized (lock) {
            if (options.filter() == null) {
                filters.remove(pattern);
            } else {
                filters.put(pattern, options.filter());
            }
        }
        return subscribe(new SubscriptionImpl(pattern, Objects.requireNonNull(handler, "handler"), null), options.durable());
    }

    private boolean hasPresence(String pattern) {
        synchronized (lock) {
            return presenceInfo.get(pattern) != null || presenceListeners.containsKey(pattern);
        }
    }

    /** The {@code sub} of {@code pattern}, with the presence members the application asked for. */
    private Frame.Sub subFrame(long id, String pattern, List<Frame.Position> since, boolean isDurable) {
        synchronized (lock) {
            List<Presence.Listener> l = presenceListeners.get(pattern);
            return new Frame.Sub(id, pattern, since, filters.get(pattern), isDurable, presenceInfo.get(pattern),
                    l != null && !l.isEmpty());
        }
    }

    /** The first page of {@code topic}'s presence (at most 100 entries; {@link Presence.Page#next()} pages on). */
    public CompletableFuture<Presence.Page> presence(String topic) {
        return presence(topic, null, 0);
    }

    /** A page of {@code topic}'s presence: the entries after {@code cursor} (null: from the start), at most {@code limit} (0: 100). */
    public CompletableFuture<Presence.Page> presence(String topic, String cursor, int limit) {
        try {
            checkTopic(topic);
            return request(connected("read presence"), id -> new Frame.Presence(id, topic, cursor, limit), requestTimeout)
                    .thenApply(r -> Presence.Page.of(Json.toNode(((Frame.Result) r).data())));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void presenceDiff(Connection c, Frame.PresenceDiff d) {
        List<Presence.Listener> targets;
        synchronized (lock) {
            List<Presence.Listener> l = presenceListeners.get(d.topic());
            targets = l == null ? List.of() : List.copyOf(l);
        }
        if (targets.isEmpty()) {
            return;
        }
        dispatch(c, () -> {
            Presence.Diff diff = new Presence.Diff(d.topic(), Presence.entries(Json.toNode(d.joins())),
                    Presence.entries(Json.toNode(d.leaves())), d.reset());
            notifyPresence(targets, diff);
        });
    }

    /** After a reconnect: changes made meanwhile were not heard, so every presence listener starts over. */
    private void resetPresenceListeners(Connection c) {
        Map<String, List<Presence.Listener>> all;
        synchronized (lock) {
            all = new java.util.HashMap<>();
            presenceListeners.forEach((t, l) -> all.put(t, List.copyOf(l)));
        }
        all.forEach((topic, targets) -> dispatch(c, () -> notifyPresence(targets, Presence.Diff.reset(topic))));
    }

    private static void notifyPresence(List<Presence.Listener> targets, Presence.Diff diff) {
        for (Presence.Listener l : targets) {
            try {
                l.onDiff(diff);
            } catch (Exception e) {
                log.warn("presence listener of {} failed", diff.topic(), e);
            }
        }
    }

    private CompletableFuture<Subscription> subscribe(String pattern, MessageHandler handler, boolean wantDurable) {
        Objects.requireNonNull(handler, "handler");
        String why = Topics.checkPattern(pattern);
        if (why != null) {
            return CompletableFuture.failedFuture(new FerryException(ErrorCode.BAD_TOPIC.wire(), why));
        }
        return subscribe(new SubscriptionImpl(pattern, handler, null), wantDurable);
    }

    private CompletableFuture<Subscription> subscribe(SubscriptionImpl s, boolean wantDurable) {
        String pattern = s.pattern;
        Connection c;
        synchronized (lock) {
            if (state == State.CLOSED) {
                return CompletableFuture.failedFuture(closedError());
            }
            subscriptions.computeIfAbsent(pattern, p -> new CopyOnWriteArrayList<>()).add(s);
            if (wantDurable) {
                durable.add(pattern);
            }
            boolean isDurable = durable.contains(pattern);
            c = current;
            if (c != null) {
                request(c, id -> subFrame(id, pattern, List.of(), isDurable), requestTimeout).whenComplete((r, e) -> {
                    if (e == null) {
                        recovered(r);
                    }
                    subscribed(pattern, e);
                });
            }
        }
        return s.ready;
    }

    /** Largest number of topic positions sent with one re-subscription (the server's default limit). */
    private static final int MAX_SINCE = 1000;

    /** Where this client stands in the topics matching {@code pattern}: what to ask the server to replay. */
    private List<Frame.Position> positionsFor(String pattern) {
        List<Frame.Position> out = new ArrayList<>();
        synchronized (lock) {
            for (Frame.Position p : positions.values()) {
                if (out.size() < MAX_SINCE && Topics.matches(pattern, p.topic())) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /**
     * Reads the reply to a {@code sub}: records where each concrete topic starts, and reports topics whose missed
     * publications could not be replayed.
     */
    private void recovered(Frame reply) {
        if (!(reply instanceof Frame.Result r) || r.data() == null) {
            return;
        }
        recovered(Json.toNode(r.data()));
    }

    private void recovered(JsonNode data) {
        List<JsonNode> entries = new ArrayList<>();
        if (data.has("positions")) {
            data.path("positions").forEach(entries::add);
        } else if (data.has("offset")) {
            entries.add(data);
        }
        for (JsonNode n : entries) {
            String topic = n.path("topic").asText();
            String epoch = n.path("epoch").asText("");
            long offset = n.path("offset").asLong();
            boolean lost = n.has("recovered") && !n.path("recovered").asBoolean();
            synchronized (lock) {
                Frame.Position known = positions.get(topic);
                if (lost || known == null || !known.epoch().equals(epoch)) {
                    positions.put(topic, new Frame.Position(topic, offset, epoch));
                }
            }
            if (lost) {
                log.warn("publications on {} missed while disconnected could not be recovered; live from offset {}",
                        topic, offset + 1);
                notifyListener(() -> listener.onNotRecovered(topic, epoch, offset));
            }
        }
    }

    /** The server confirmed (or refused) a pattern: settle the subscriptions waiting for it. */
    private void subscribed(String pattern, Throwable error) {
        FerryException failure = error == null ? null : asFerryException(error);
        if (failure != null && isTransient(failure)) {
            return; // sent again after the reconnect (or failed by close)
        }
        List<SubscriptionImpl> waiting = new ArrayList<>();
        synchronized (lock) {
            List<SubscriptionImpl> subs = subscriptions.get(pattern);
            if (subs == null) {
                return;
            }
            for (SubscriptionImpl s : subs) {
                if (!s.ready.isDone()) {
                    waiting.add(s);
                }
            }
            if (failure != null) {
                subs.removeAll(waiting);
                waiting.forEach(SubscriptionImpl::forgetPresence);
                if (subs.isEmpty()) {
                    subscriptions.remove(pattern);
                    durable.remove(pattern);
                    presenceInfo.remove(pattern);
                }
            }
        }
        if (failure != null) {
            log.warn("subscription to {} refused by {}: {}: {}", pattern, uri, failure.code(), failure.getMessage());
        }
        for (SubscriptionImpl s : waiting) {
            if (failure == null) {
                s.ready.complete(s);
            } else {
                s.ready.completeExceptionally(failure);
            }
        }
    }

    private static boolean isTransient(FerryException e) {
        return switch (e.code()) {
            // shutting_down: the server is draining and will close this connection; the next one retries
            case FerryException.CONNECTION_LOST, FerryException.CLIENT_CLOSED, FerryException.NOT_CONNECTED,
                    "shutting_down" -> true;
            default -> false;
        };
    }

    /** The server subscribed {@code c} to a pattern, or removed one: recorded, and told to the listener. */
    private void serverSub(Connection c, Frame.ServerSub s) {
        synchronized (lock) {
            if (current != c) {
                return;
            }
            if (s.subscribed()) {
                serverPatterns.add(s.topic());
            } else {
                serverPatterns.remove(s.topic());
            }
        }
        if (serverListener != null) {
            dispatch(c, () -> {
                try {
                    if (s.subscribed()) {
                        serverListener.onSubscribed(s.topic());
                    } else {
                        serverListener.onUnsubscribed(s.topic());
                    }
                } catch (Exception e) {
                    log.warn("server subscription listener failed on {}", s.topic(), e);
                }
            });
        }
    }

    private void deliver(Connection c, Frame.Msg m) {
        List<SubscriptionImpl> targets = new ArrayList<>();
        boolean toServerListener = false;
        synchronized (lock) {
            if (m.epoch() != null) {
                Frame.Position last = positions.get(m.topic());
                if (last != null && last.epoch().equals(m.epoch()) && m.offset() <= last.offset()) {
                    duplicatesSkipped.incrementAndGet();
                    return; // seen already (replayed and live at once, or overlapping subscriptions)
                }
                positions.put(m.topic(), new Frame.Position(m.topic(), m.offset(), m.epoch()));
            }
            for (Map.Entry<String, List<SubscriptionImpl>> e : subscriptions.entrySet()) {
                if (Topics.matches(e.getKey(), m.topic())) {
                    targets.addAll(e.getValue());
                }
            }
            if (serverListener != null) {
                for (String p : serverPatterns) {
                    if (Topics.matches(p, m.topic())) {
                        toServerListener = true;
                        break;
                    }
                }
            }
        }
        if (targets.isEmpty() && !toServerListener) {
            return;
        }
        boolean server = toServerListener;
        Payload data = m.data();
        dispatch(c, () -> {
            Message message = data.isBinary()
                    ? new Message(m.topic(), m.offset(), null, data.bytes(), m.tags())
                    : new Message(m.topic(), m.offset(), Json.toNode(data), null, m.tags());
            for (SubscriptionImpl s : targets) {
                if (s.active.get()) {
                    try {
                        s.handler.onMessage(message);
                    } catch (Exception e) {
                        log.warn("message handler for {} failed on {}", s.pattern, message, e);
                    }
                }
            }
            if (server) {
                try {
                    serverListener.onMessage(message);
                } catch (Exception e) {
                    log.warn("server subscription listener failed on {}", message, e);
                }
            }
        });
    }

    private final class SubscriptionImpl implements Subscription {
        final String pattern;
        final MessageHandler handler;
        final AtomicBoolean active = new AtomicBoolean(true);
        final CompletableFuture<Subscription> ready = new CompletableFuture<>();
        final Presence.Listener presenceListener;

        SubscriptionImpl(String pattern, MessageHandler handler, Presence.Listener presenceListener) {
            this.pattern = pattern;
            this.handler = handler;
            this.presenceListener = presenceListener;
        }

        /** Removes this subscription's presence listener. Under {@link #lock}. */
        void forgetPresence() {
            if (presenceListener != null) {
                List<Presence.Listener> l = presenceListeners.get(pattern);
                if (l != null && l.remove(presenceListener) && l.isEmpty()) {
                    presenceListeners.remove(pattern);
                }
            }
        }

        @Override
        public String pattern() {
            return pattern;
        }

        @Override
        public CompletableFuture<Void> unsubscribe() {
            if (!active.getAndSet(false)) {
                return CompletableFuture.completedFuture(null);
            }
            synchronized (lock) {
                forgetPresence();
                List<SubscriptionImpl> subs = subscriptions.get(pattern);
                if (subs == null || !subs.remove(this) || !subs.isEmpty()) {
                    return CompletableFuture.completedFuture(null);
                }
                subscriptions.remove(pattern);
                durable.remove(pattern);
                presenceInfo.remove(pattern);
                if (current == null) {
                    return CompletableFuture.completedFuture(null); // nothing to undo on a connection we do not have
                }
                return request(current, id -> new Frame.Unsub(id, pattern), requestTimeout).thenApply(r -> null);
            }
        }

        @Override
        public String toString() {
            return "Subscription[" + pattern + "]";
        }
    }

    // ------------------------------------------------------------ RPC

    /**
     * Calls a procedure. {@code args} is a {@link JsonNode}, any value Jackson can serialize, {@code null}, or a
     * {@code byte[]} (sent as binary). The result is the callee's JSON value, or a
     * {@link com.fasterxml.jackson.databind.node.BinaryNode} for a binary result. Failures are
     * {@link FerryException}s with the wire code ({@code no_such_procedure}, {@code call_timeout},
     * {@code callee_gone}, {@code callee_error}, ...).
     *
     * @param timeout how long the server waits for the callee (null: the server's {@code rpc.default-timeout})
     */
    public CompletableFuture<JsonNode> call(String proc, Object args, Duration timeout) {
        try {
            checkProcedure(proc);
            Payload payload = Json.toPayload(args);
            long timeoutMs = timeout == null ? 0 : Math.max(1, timeout.toMillis());
            // The server enforces the timeout; the local guard only covers a server that never answers.
            Duration guard = timeout == null ? null : timeout.plus(requestTimeout);
            return request(connected("call " + proc), id -> new Frame.Call(id, proc, payload, timeoutMs), guard)
                    .thenApply(r -> {
                        JsonNode n = Json.toNode(((Frame.Result) r).data());
                        return n == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : n;
                    });
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Calls with the server's default timeout. */
    public CompletableFuture<JsonNode> call(String proc, Object args) {
        return call(proc, args, null);
    }

    /**
     * Calls a procedure as {@link #call(String, Object, Duration)} does, taking its progressive results when
     * {@code onProgress} is not null: each is handed to it, in the order the callee sent them and before the
     * result, on the thread that reads the connection (keep it short). The returned call may be canceled.
     */
    public PendingCall call(String proc, Object args, Duration timeout, java.util.function.Consumer<JsonNode> onProgress) {
        CompletableFuture<JsonNode> result;
        long[] requestId = {0};
        Connection[] on = {null};
        try {
            checkProcedure(proc);
            Payload payload = Json.toPayload(args);
            long timeoutMs = timeout == null ? 0 : Math.max(1, timeout.toMillis());
            Duration guard = timeout == null ? null : timeout.plus(requestTimeout);
            on[0] = connected("call " + proc);
            result = request(on[0], id -> {
                requestId[0] = id;
                if (onProgress != null) {
                    progressListeners.put(id, onProgress);
                }
                return new Frame.Call(id, proc, payload, timeoutMs, onProgress != null);
            }, guard).thenApply(r -> {
                JsonNode n = Json.toNode(((Frame.Result) r).data());
                return n == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : n;
            });
            result.whenComplete((r, e) -> progressListeners.remove(requestId[0]));
        } catch (RuntimeException e) {
            result = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<JsonNode> outcome = result;
        return new PendingCall() {
            @Override
            public CompletableFuture<JsonNode> result() {
                return outcome;
            }

            @Override
            public void cancel(CancelMode mode) {
                if (!outcome.isDone() && on[0] != null) {
                    on[0].send(new Frame.Cancel(requestId[0], mode)).exceptionally(e -> null);
                }
            }
        };
    }

    /**
     * Registers a procedure on this client; calls to it are routed here (round-robin among every connection that
     * registered it). Completes once the server confirmed; while disconnected, once reconnected. One handler per
     * procedure per client.
     */
    public CompletableFuture<Registration> register(String proc, ProcedureHandler handler) {
        Objects.requireNonNull(handler, "handler");
        return register(proc, InvokePolicy.DEFAULT, (args, invocation) -> handler.handle(args));
    }

    /**
     * Registers a procedure whose handler may send progressive results and hears of cancels (through its
     * {@link Invocation}), under the invocation policy {@code policy} that every callee of the procedure shares
     * ({@code single}, {@code roundrobin}, {@code random}, {@code first}, {@code last}; docs/protocol.md §4). A
     * registration the procedure's other callees do not admit fails with {@code procedure_exists}.
     */
    public CompletableFuture<Registration> register(String proc, InvokePolicy policy, ProgressiveProcedureHandler handler) {
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(policy, "policy");
        try {
            checkProcedure(proc);
        } catch (FerryException e) {
            return CompletableFuture.failedFuture(e);
        }
        RegistrationImpl reg = new RegistrationImpl(proc, policy, handler);
        synchronized (lock) {
            if (state == State.CLOSED) {
                return CompletableFuture.failedFuture(closedError());
            }
            if (registrations.putIfAbsent(proc, reg) != null) {
                return CompletableFuture.failedFuture(
                        new IllegalStateException("\"" + proc + "\" is already registered on this client"));
            }
            if (current != null) {
                request(current, id -> new Frame.Register(id, proc, policy), requestTimeout).whenComplete((r, e) -> registered(proc, e));
            }
        }
        return reg.ready;
    }

    private void registered(String proc, Throwable error) {
        FerryException failure = error == null ? null : asFerryException(error);
        if (failure != null && isTransient(failure)) {
            return;
        }
        RegistrationImpl reg;
        synchronized (lock) {
            reg = registrations.get(proc);
            if (reg == null || reg.ready.isDone()) {
                return;
            }
            if (failure != null) {
                registrations.remove(proc);
            }
        }
        if (failure == null) {
            reg.ready.complete(reg);
        } else {
            log.warn("registration of {} refused by {}: {}: {}", proc, uri, failure.code(), failure.getMessage());
            reg.ready.completeExceptionally(failure);
        }
    }

    private static void checkProcedure(String proc) {
        String why = Topics.checkProcedure(proc);
        if (why != null) {
            throw new FerryException(ErrorCode.BAD_PROCEDURE.wire(), why);
        }
    }

    private void invoke(Connection c, Frame.Invoke inv) {
        RegistrationImpl reg;
        synchronized (lock) {
            reg = registrations.get(inv.proc());
        }
        if (reg == null || !reg.active.get()) {
            c.send(new Frame.Reply(inv.id(), null, new Frame.ErrorBody(ErrorCode.NO_SUCH_PROCEDURE.wire(),
                    "\"" + inv.proc() + "\" is not registered on this client", null)));
            return;
        }
        InvocationImpl invocation = new InvocationImpl(c, inv);
        invocations.put(inv.id(), invocation);
        dispatch(c, () -> {
            Object result;
            try {
                result = reg.handler.handle(Json.toNode(inv.args()), invocation);
            } catch (Exception e) {
                reply(c, inv, null, e);
                return;
            }
            if (result instanceof CompletionStage<?> stage) {
                stage.whenComplete((value, error) -> reply(c, inv, value, error));
            } else {
                reply(c, inv, result, null);
            }
        });
    }

    /** An invocation this client is answering, until it replies. */
    private final class InvocationImpl implements Invocation {
        private final Connection connection;
        private final Frame.Invoke invoke;
        final CompletableFuture<CancelMode> interrupted = new CompletableFuture<>();

        InvocationImpl(Connection connection, Frame.Invoke invoke) {
            this.connection = connection;
            this.invoke = invoke;
        }

        @Override
        public boolean receivesProgress() {
            return invoke.progress();
        }

        @Override
        public void progress(Object data) {
            if (invoke.progress() && invocations.get(invoke.id()) == this) {
                connection.send(new Frame.Reply(invoke.id(), Json.toPayload(data), null, true)).exceptionally(e -> null);
            }
        }

        @Override
        public CompletionStage<CancelMode> interrupted() {
            return interrupted;
        }
    }

    private void interrupt(Frame.Interrupt i) {
        InvocationImpl inv = invocations.get(i.id());
        if (inv != null) {
            if (i.mode() != CancelMode.KILL) {
                invocations.remove(i.id(), inv); // nobody waits for its reply any more
            }
            inv.interrupted.complete(i.mode());
        }
    }

    private void reply(Connection c, Frame.Invoke inv, Object value, Throwable error) {
        invocations.remove(inv.id());
        Frame.Reply reply;
        if (error == null) {
            try {
                reply = new Frame.Reply(inv.id(), Json.toPayload(value), null);
            } catch (RuntimeException e) {
                error = e;
                reply = null;
            }
        } else {
            reply = null;
        }
        if (reply == null) {
            Throwable cause = unwrap(error);
            Frame.ErrorBody body;
            if (cause instanceof FerryException fe) {
                body = new Frame.ErrorBody(fe.code(), String.valueOf(fe.getMessage()),
                        fe.data() == null ? null : Json.toPayload(fe.data()));
            } else {
                log.debug("procedure {} failed", inv.proc(), cause);
                body = new Frame.ErrorBody("error", cause.getMessage() != null ? cause.getMessage() : cause.toString(), null);
            }
            reply = new Frame.Reply(inv.id(), null, body);
        }
        c.send(reply).exceptionally(e -> {
            log.debug("could not reply to {} (connection gone; the caller gets callee_gone)", inv.proc());
            return null;
        });
    }

    private final class RegistrationImpl implements Registration {
        final String proc;
        final InvokePolicy policy;
        final ProgressiveProcedureHandler handler;
        final AtomicBoolean active = new AtomicBoolean(true);
        final CompletableFuture<Registration> ready = new CompletableFuture<>();

        RegistrationImpl(String proc, InvokePolicy policy, ProgressiveProcedureHandler handler) {
            this.proc = proc;
            this.policy = policy;
            this.handler = handler;
        }

        @Override
        public String procedure() {
            return proc;
        }

        @Override
        public CompletableFuture<Void> unregister() {
            if (!active.getAndSet(false)) {
                return CompletableFuture.completedFuture(null);
            }
            synchronized (lock) {
                if (!registrations.remove(proc, this) || current == null) {
                    return CompletableFuture.completedFuture(null);
                }
                return request(current, id -> new Frame.Unregister(id, proc), requestTimeout).thenApply(r -> null);
            }
        }

        @Override
        public String toString() {
            return "Registration[" + proc + "]";
        }
    }

    /**
     * The registered procedures named {@code prefix} or under it ({@code ""}: all) that this client may call, with
     * their callee counts, policies and call rates: the {@code data} of the {@code procedures} command,
     * {@code {"prefix", "procedures": [{"proc", "callees", "invoke", "calls", "rate"}], "truncated"}}
     * (docs/protocol.md, "procedures"). Procedures served by HTTP backends come first, one entry per rule with its
     * pattern as {@code proc} and {@code "callee": "http"}, {@code "hook"} (docs/hooks.md).
     */
    public CompletableFuture<JsonNode> procedures(String prefix) {
        try {
            return request(connected("list procedures"), id -> new Frame.Procedures(id, prefix == null ? "" : prefix),
                    requestTimeout).thenApply(r -> Json.toNode(((Frame.Result) r).data()));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Application-level ping; the future yields the round-trip time. */
    public CompletableFuture<Duration> ping() {
        try {
            long start = System.nanoTime();
            return request(connected("ping"), Frame.Ping::new, requestTimeout)
                    .thenApply(p -> Duration.ofNanos(System.nanoTime() - start));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    // ------------------------------------------------------------ helpers

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static FerryException asFerryException(Throwable t) {
        Throwable cause = unwrap(t);
        if (cause instanceof FerryException fe) {
            return fe;
        }
        return new FerryException(FerryException.CONNECTION_LOST, String.valueOf(cause.getMessage()), null, cause);
    }

    @Override
    public String toString() {
        return "FerryClient[" + uri + ", " + state() + "]";
    }

    // ------------------------------------------------------------ state channels (docs/protocol.md §4.6)

    /**
     * Follows a state channel: the returned replica holds its document, kept up to date (snapshot, then patches
     * in version order; after a reconnect only the missed patches when the server still has them), and tells
     * {@code listener} (may be null) of every change. Completes once the first document is held; fails with the
     * server's error ({@code not_state_channel}, {@code forbidden}, ...). One replica per topic and client.
     */
    public CompletableFuture<StateReplica> followState(String topic, StateListener listener) {
        String why = Topics.checkTopic(topic);
        if (why != null) {
            return CompletableFuture.failedFuture(new FerryException(ErrorCode.BAD_TOPIC.wire(), why));
        }
        StateReplica r = new StateReplica(this, topic, listener);
        synchronized (lock) {
            if (state == State.CLOSED) {
                return CompletableFuture.failedFuture(closedError());
            }
            if (replicas.containsKey(topic)) {
                return CompletableFuture.failedFuture(new IllegalStateException("this client already follows " + topic));
            }
            replicas.put(topic, r);
            if (current != null) {
                follow(current, r, false);
            }
        }
        return r.ready;
    }

    /** Sends {@code state_sub} for {@code r}: from the version it holds when {@code resume} and it holds one. */
    private CompletableFuture<Void> follow(Connection c, StateReplica r, boolean resume) {
        long version = resume ? r.version() : -1;
        String epoch = resume ? r.epoch() : null;
        return request(c, id -> new Frame.StateSub(id, r.topic(), version, epoch), requestTimeout).handle((reply, e) -> {
            if (e == null) {
                return null;
            }
            FerryException failure = asFerryException(e);
            if (isTransient(failure)) {
                return null; // sent again after the reconnect
            }
            synchronized (lock) {
                replicas.remove(r.topic(), r);
            }
            r.active.set(false);
            log.warn("state channel {} refused by {}: {}: {}", r.topic(), uri, failure.code(), failure.getMessage());
            r.ready.completeExceptionally(failure);
            return null;
        });
    }

    private void stateFrame(Connection c, Frame frame) {
        String topic = frame instanceof Frame.StateSnapshot s ? s.topic() : ((Frame.StatePatch) frame).topic();
        StateReplica r;
        synchronized (lock) {
            r = replicas.get(topic);
        }
        if (r == null) {
            return;
        }
        dispatch(c, () -> {
            if (!r.active.get()) {
                return;
            }
            if (frame instanceof Frame.StateSnapshot s) {
                r.snapshot(s.epoch(), s.version(), Json.toNode(s.data()));
                return;
            }
            Frame.StatePatch p = (Frame.StatePatch) frame;
            if (!r.patch(p.epoch(), p.version(), Json.toNode(p.patch()))) {
                log.info("state channel {}: patch {} does not follow version {}; asking for a snapshot", topic,
                        p.version(), r.version());
                if (c == currentConnection()) {
                    follow(c, r, false);
                }
            }
        });
    }

    private Connection currentConnection() {
        synchronized (lock) {
            return current;
        }
    }

    CompletableFuture<Void> unfollow(StateReplica r) {
        if (!r.active.getAndSet(false)) {
            return CompletableFuture.completedFuture(null);
        }
        synchronized (lock) {
            if (!replicas.remove(r.topic(), r) || current == null) {
                return CompletableFuture.completedFuture(null);
            }
            return request(current, id -> new Frame.StateUnsub(id, r.topic()), requestTimeout).thenApply(x -> null);
        }
    }

    /** Reads a state channel once: {@code {"topic", "epoch"?, "version", "data"}}. */
    public CompletableFuture<JsonNode> getState(String topic) {
        return stateRequest(topic, id -> new Frame.StateGet(id, topic));
    }

    /**
     * Changes a state channel with an RFC 7386 JSON Merge Patch ({@code patch}: a {@link JsonNode} or any value
     * Jackson can serialize). Completes with {@code {"topic", "epoch", "version"}} of the new document.
     */
    public CompletableFuture<JsonNode> mergeState(String topic, Object patch) {
        return mergeState(topic, patch, -1);
    }

    /**
     * As {@link #mergeState(String, Object)}, only if the document is still at {@code ifVersion}; otherwise fails
     * with {@code state_conflict}, whose data holds the current version.
     */
    public CompletableFuture<JsonNode> mergeState(String topic, Object patch, long ifVersion) {
        return stateRequest(topic, id -> new Frame.StateUpdate(id, topic, Json.toPayload(patch), null, ifVersion));
    }

    /** Changes a state channel with an RFC 6902 JSON Patch ({@code operations}: an array of operations). */
    public CompletableFuture<JsonNode> patchState(String topic, Object operations) {
        return patchState(topic, operations, -1);
    }

    /** As {@link #patchState(String, Object)}, only if the document is still at {@code ifVersion}. */
    public CompletableFuture<JsonNode> patchState(String topic, Object operations, long ifVersion) {
        return stateRequest(topic, id -> new Frame.StateUpdate(id, topic, null, Json.toPayload(operations), ifVersion));
    }

    private CompletableFuture<JsonNode> stateRequest(String topic, LongFunction<Frame> command) {
        try {
            checkTopic(topic);
            return request(connected("use state channel " + topic), command, requestTimeout)
                    .thenApply(f -> f instanceof Frame.Result r && r.data() != null ? Json.toNode(r.data()) : null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Settings for a {@link FerryClient}. */
    public static final class Builder {
        private URI uri;
        private final List<URI> failover = new ArrayList<>();
        private boolean reconnect = true;
        private Duration backoffMin = Duration.ofMillis(100);
        private Duration backoffMax = Duration.ofSeconds(30);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration publishRetry = Duration.ofSeconds(60);
        private long maxQueuedBytes = 16L << 20;
        private ConnectionListener listener = new ConnectionListener() {
        };
        private HttpClient httpClient;
        private SSLContext sslContext;
        private ServerSubscriptionListener serverListener;
        private ProxySettings proxy;

        private Builder() {
        }

        /** The ferry.v1 endpoint, e.g. {@code ws://127.0.0.1:8080/v1/ws}. Required. */
        public Builder uri(URI uri) {
            this.uri = Objects.requireNonNull(uri, "uri");
            return this;
        }

        public Builder uri(String uri) {
            return uri(URI.create(uri));
        }

        /**
         * Other nodes of the same cluster: after the first connection, every reconnect attempt goes to the next
         * URI in turn ({@link #uri} first), so that a client whose node died carries on, and recovers, on another.
         */
        public Builder failover(URI... others) {
            for (URI u : others) {
                failover.add(Objects.requireNonNull(u, "failover uri"));
            }
            return this;
        }

        /** Whether to reconnect after the connection is lost (default true). */
        public Builder reconnect(boolean reconnect) {
            this.reconnect = reconnect;
            return this;
        }

        /** Reconnect delays grow from {@code min} to {@code max}, jittered (default 100 ms to 30 s). */
        public Builder backoff(Duration min, Duration max) {
            this.backoffMin = Objects.requireNonNull(min, "min");
            this.backoffMax = Objects.requireNonNull(max, "max");
            return this;
        }

        /** Time allowed for opening a connection (default 10 s); also bounds the wait for a clean close. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive("connectTimeout", timeout);
            return this;
        }

        /**
         * How long to wait for the server to answer a command before failing it with {@code request_timeout}
         * (default 30 s). For calls this is added to the call's own timeout, which the server enforces.
         */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive("requestTimeout", timeout);
            return this;
        }

        /**
         * How long an acknowledged publication ({@code publishAck}, {@code publishAcked}) is tried again, with the
         * same publication id, while its outcome is unknown or it failed for a passing reason (default 60 s;
         * {@link Duration#ZERO}: never). Keep it below the server's {@code publish.dedup-window} (default 2 minutes):
         * within it the server recognises a retry and publishes nothing twice.
         */
        public Builder publishRetry(Duration retry) {
            Objects.requireNonNull(retry, "publishRetry");
            if (retry.isNegative()) {
                throw new IllegalArgumentException("publishRetry: " + retry + " (expected: >= 0)");
            }
            this.publishRetry = retry;
            return this;
        }

        /**
         * Bound on encoded frames waiting to be sent on a connection (default 16 MiB). A command that would exceed
         * it fails at once with {@link FerryException#SEND_QUEUE_FULL} instead of queuing without limit. A single
         * frame larger than the bound is still accepted when nothing else is queued.
         */
        public Builder maxQueuedBytes(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxQueuedBytes: " + bytes + " (expected: > 0)");
            }
            this.maxQueuedBytes = bytes;
            return this;
        }

        /**
         * Where the publications of subscriptions the server makes on its own go (docs/protocol.md, "Server-side
         * subscriptions"); without one they are dropped.
         */
        public Builder serverSubscriptions(ServerSubscriptionListener listener) {
            this.serverListener = listener;
            return this;
        }

        public Builder listener(ConnectionListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * The HTTP client to open WebSockets with (default: a new one per client). Not with {@link #sslContext} or
         * {@link #proxy}, which configure the client's own.
         */
        public Builder httpClient(HttpClient httpClient) {
            this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
            return this;
        }

        /**
         * The TLS settings for {@code wss:} (default: the JVM's): a trust store for a private CA, and the key and
         * certificate chain a client presents to a server with {@code tls.client-auth} (its {@code KeyManager}s).
         */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
            return this;
        }

        /**
         * An HTTP proxy to reach the server through with {@code CONNECT} (default: none, direct), for every
         * connection and reconnection, to {@link #uri} and the {@link #failover} URIs alike. A proxy that demands
         * authentication gets its Basic or Digest challenge (MD5 or SHA-256, qop {@code auth}) answered with the
         * settings' user and password, as {@code ferry tunnel} does. TLS stays end to end between this client and the
         * server. {@code ProxySettings.parse("http://user:password@proxy.example:3128")}, or
         * {@code ProxySettings.fromEnvironment(System.getenv(), uri)} for {@code HTTPS_PROXY}/{@code HTTP_PROXY} and
         * {@code NO_PROXY} as curl reads them.
         *
         * <p>The JDK's WebSocket cannot answer these challenges itself, so the client relays its connections through
         * a listener on a free loopback port, which tunnels only to this client's server URIs and closes with the
         * client.
         */
        public Builder proxy(ProxySettings proxy) {
            this.proxy = proxy;
            return this;
        }

        private static Duration positive(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
            }
            return d;
        }

        public FerryClient build() {
            if (uri == null) {
                throw new IllegalStateException("uri is required");
            }
            new Backoff(backoffMin, backoffMax); // validates
            if (httpClient != null && (sslContext != null || proxy != null)) {
                throw new IllegalStateException("httpClient with " + (proxy != null ? "proxy" : "sslContext")
                        + ": these configure the client's own HTTP client (expected: either httpClient, or sslContext"
                        + " and proxy)");
            }
            return new FerryClient(this);
        }

        /** Builds and connects; see {@link FerryClient#connect()}. */
        public FerryClient connect() {
            return build().connect();
        }
    }
}
