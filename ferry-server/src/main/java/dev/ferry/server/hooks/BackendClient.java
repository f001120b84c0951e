package dev.ferry.server.hooks;

import dev.ferry.server.time.ServerClock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP client of every backend hook (docs/hooks.md, "Calls to the backend"): one JDK {@link HttpClient}
 * (non-blocking {@code sendAsync}, HTTP/1.1 connections kept alive and reused), and per hook name:
 * <ul>
 *   <li>a bound on calls in flight: a call beyond {@code maxConcurrency} fails at once with
 *       {@link HookOutcome#OVERLOADED}, nothing waits in a queue;</li>
 *   <li>a circuit breaker: after {@code breakerFailures} consecutive failures (timeout, unreachable, 5xx) it opens
 *       and calls fail at once with {@link HookOutcome#CIRCUIT_OPEN}; once {@code breakerCoolDown} has passed on
 *       the server clock it lets one trial call through (half-open), whose success closes it and whose failure
 *       opens it again for another cool-down;</li>
 *   <li>a timeout per call and a bound on the response body ({@code maxResponseBytes}, beyond which the call fails
 *       as {@link HookOutcome#UNREACHABLE});</li>
 *   <li>meters: {@code ferry_hook_requests_total{hook,outcome}}, {@code ferry_hook_duration_seconds{hook}},
 *       {@code ferry_hook_in_flight{hook}}, {@code ferry_hook_breaker_state{hook}} (0 closed, 1 open, 2 half-open).</li>
 * </ul>
 * The returned futures complete on the HTTP client's threads, never on an event loop: a caller hops back to its
 * connection's loop ({@code channel.eventLoop().execute}) before touching connection state. Thread-safe.
 */
public final class BackendClient {
    /** Breaker states, as the {@code ferry_hook_breaker_state} gauge reports them. */
    public enum BreakerState { CLOSED, OPEN, HALF_OPEN }

    private final MeterRegistry meters;
    private final ServerClock clock;
    /** Read at each call: {@link #settings} changes them for the calls that follow. */
    private volatile int breakerFailures;
    private volatile long coolDownNanos;
    private volatile int maxResponseBytes;
    private final Map<String, Backend> backends = new ConcurrentHashMap<>();
    private volatile HttpClient http;

    /**
     * @param breakerFailures consecutive failures that open a hook's breaker (> 0)
     * @param breakerCoolDown how long an open breaker refuses calls before a trial call (> 0)
     * @param maxResponseBytes the largest response body accepted (> 0)
     * @param meters where the {@code ferry.hook.*} meters go
     * @param clock the clock of the breaker's cool-down and of the duration meter
     */
    public BackendClient(int breakerFailures, Duration breakerCoolDown, int maxResponseBytes, MeterRegistry meters,
                         ServerClock clock) {
        this.meters = meters;
        this.clock = clock;
        settings(breakerFailures, breakerCoolDown, maxResponseBytes);
    }

    /**
     * A reload: the breakers of every hook open after {@code breakerFailures} consecutive failures and cool down for
     * {@code breakerCoolDown} from their next failure or trial on, and answers are bounded by
     * {@code maxResponseBytes} from the next call on; each breaker keeps its state.
     */
    public void settings(int breakerFailures, Duration breakerCoolDown, int maxResponseBytes) {
        if (breakerFailures <= 0) {
            throw new IllegalArgumentException("breakerFailures: " + breakerFailures + " (expected: > 0)");
        }
        if (breakerCoolDown.isNegative() || breakerCoolDown.isZero()) {
            throw new IllegalArgumentException("breakerCoolDown: " + breakerCoolDown + " (expected: > 0)");
        }
        if (maxResponseBytes <= 0) {
            throw new IllegalArgumentException("maxResponseBytes: " + maxResponseBytes + " (expected: > 0)");
        }
        this.breakerFailures = breakerFailures;
        this.coolDownNanos = breakerCoolDown.toNanos();
        this.maxResponseBytes = maxResponseBytes;
    }

    /**
     * Forgets {@code hook}'s breaker and bound (a reload changed or removed its endpoint): its next call starts
     * afresh with a closed breaker and the bound it asks for; calls in flight finish on the old ones. Its request
     * counters and duration go on.
     */
    public void forget(String hook) {
        Backend b = backends.remove(hook);
        if (b != null) {
            b.gauges.forEach(meters::remove);
        }
    }

    /**
     * POSTs {@code jsonBody} ({@code Content-Type: application/json}) to {@code url} as hook {@code hook}.
     * The future completes with the backend's answer whatever its status (see {@link BackendResponse#ok()}), or
     * with a {@link BackendException} when there is none: {@link HookOutcome#TIMEOUT},
     * {@link HookOutcome#UNREACHABLE}, {@link HookOutcome#OVERLOADED}, {@link HookOutcome#CIRCUIT_OPEN}. It completes
     * on the HTTP client's threads (a refusal without a request on the common pool), not on the caller's thread.
     *
     * @param hook the hook's name: its breaker, its bound and its meters' {@code hook} tag
     * @param headers request headers to add (forwarded credentials, configured headers)
     * @param timeout how long to wait for the whole answer
     * @param maxConcurrency calls of this hook in flight at most; the value of the hook's first call holds
     */
    public CompletableFuture<BackendResponse> post(String hook, URI url, byte[] jsonBody, Map<String, String> headers,
                                                   Duration timeout, int maxConcurrency) {
        Backend b = backends.computeIfAbsent(hook, h -> new Backend(h, maxConcurrency));
        CompletableFuture<BackendResponse> out = new CompletableFuture<>();
        HookOutcome refused = b.admit();
        if (refused != null) {
            b.count(refused);
            String why = refused == HookOutcome.OVERLOADED
                    ? "hook " + hook + ": " + b.maxConcurrency + " calls already in flight"
                    : "hook " + hook + ": circuit breaker open";
            // Completed off the caller's thread, as every other outcome is.
            CompletableFuture.runAsync(() -> out.completeExceptionally(new BackendException(refused, why, null)));
            return out;
        }
        long start = clock.nanoTime();
        CompletableFuture<HttpResponse<byte[]>> sent;
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(jsonBody));
            headers.forEach(request::header);
            int max = maxResponseBytes;
            sent = client().sendAsync(request.build(), info -> new BoundedBody(max));
        } catch (IllegalArgumentException e) {
            b.release();
            b.count(HookOutcome.UNREACHABLE);
            CompletableFuture.runAsync(() -> out.completeExceptionally(
                    new BackendException(HookOutcome.UNREACHABLE, "hook " + hook + ": " + e.getMessage(), e)));
            return out;
        }
        // The request's own timeout covers the wait for the headers; this one covers the body too.
        sent.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).whenComplete((response, failure) -> {
            b.release();
            b.duration.record(clock.nanoTime() - start, TimeUnit.NANOSECONDS);
            if (failure == null) {
                boolean ok = response.statusCode() < 500;
                b.settle(ok);
                b.count(response.statusCode() / 100 == 2 ? HookOutcome.OK : HookOutcome.HTTP_ERROR);
                out.complete(new BackendResponse(response.statusCode(), response.headers(), response.body()));
                return;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            HookOutcome outcome = cause instanceof HttpTimeoutException || cause instanceof TimeoutException
                    ? HookOutcome.TIMEOUT : HookOutcome.UNREACHABLE;
            b.settle(false);
            b.count(outcome);
            String what = cause instanceof ConnectException ? "connection refused" : String.valueOf(cause);
            out.completeExceptionally(new BackendException(outcome, "hook " + hook + ": " + what, cause));
        });
        return out;
    }

    /** The state of {@code hook}'s breaker ({@link BreakerState#CLOSED} for a hook never called). */
    public BreakerState breakerState(String hook) {
        Backend b = backends.get(hook);
        return b == null ? BreakerState.CLOSED : b.state();
    }

    /** Calls of {@code hook} in flight now. */
    public int inFlight(String hook) {
        Backend b = backends.get(hook);
        return b == null ? 0 : b.inFlight.get();
    }

    private HttpClient client() {
        HttpClient c = http;
        if (c == null) {
            synchronized (this) {
                c = http;
                if (c == null) {
                    c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                            .followRedirects(HttpClient.Redirect.NEVER).build();
                    http = c;
                }
            }
        }
        return c;
    }

    /** One hook's bound, breaker and meters. */
    private final class Backend {
        final String hook;
        final int maxConcurrency;
        final AtomicInteger inFlight = new AtomicInteger();
        final Timer duration;
        final Map<HookOutcome, Counter> requests = new EnumMap<>(HookOutcome.class);
        /** Its gauges, removed when it is forgotten (they read this instance). */
        final List<Gauge> gauges;
        // Breaker, guarded by this.
        private BreakerState state = BreakerState.CLOSED;
        private int failures;
        private long openedAt;
        private boolean trialInFlight;

        Backend(String hook, int maxConcurrency) {
            if (maxConcurrency <= 0) {
                throw new IllegalArgumentException("maxConcurrency: " + maxConcurrency + " (expected: > 0)");
            }
            this.hook = hook;
            this.maxConcurrency = maxConcurrency;
            for (HookOutcome o : HookOutcome.values()) {
                requests.put(o, Counter.builder("ferry.hook.requests").tag("hook", hook).tag("outcome", o.tag())
                        .description("calls to a backend hook by outcome").register(meters));
            }
            duration = Timer.builder("ferry.hook.duration").tag("hook", hook)
                    .description("time from request to answer or failure of calls sent to a backend hook")
                    .register(meters);
            gauges = List.of(Gauge.builder("ferry.hook.in.flight", inFlight, AtomicInteger::get).tag("hook", hook)
                    .description("calls to a backend hook waiting for their answer").register(meters),
                    Gauge.builder("ferry.hook.breaker.state", this, b -> b.state().ordinal()).tag("hook", hook)
                    .description("circuit breaker of a backend hook: 0 closed, 1 open, 2 half-open").register(meters));
        }

        void count(HookOutcome o) {
            requests.get(o).increment();
        }

        /** Null when the call may go, else why not; a call that may go holds a slot until {@link #release}. */
        HookOutcome admit() {
            synchronized (this) {
                if (state == BreakerState.OPEN) {
                    if (clock.nanoTime() - openedAt < coolDownNanos) {
                        return HookOutcome.CIRCUIT_OPEN;
                    }
                    state = BreakerState.HALF_OPEN;
                }
                if (state == BreakerState.HALF_OPEN) {
                    if (trialInFlight) {
                        return HookOutcome.CIRCUIT_OPEN;
                    }
                    if (!tryAcquire()) {
                        return HookOutcome.OVERLOADED;
                    }
                    trialInFlight = true;
                    return null;
                }
            }
            return tryAcquire() ? null : HookOutcome.OVERLOADED;
        }

        private boolean tryAcquire() {
            while (true) {
                int n = inFlight.get();
                if (n >= maxConcurrency) {
                    return false;
                }
                if (inFlight.compareAndSet(n, n + 1)) {
                    return true;
                }
            }
        }

        void release() {
            inFlight.decrementAndGet();
        }

        /** Records a call's end: {@code ok} unless it failed (timeout, unreachable, 5xx). */
        synchronized void settle(boolean ok) {
            if (state == BreakerState.HALF_OPEN) {
                trialInFlight = false;
            }
            if (ok) {
                failures = 0;
                state = BreakerState.CLOSED;
                return;
            }
            failures++;
            if (state == BreakerState.HALF_OPEN || (state == BreakerState.CLOSED && failures >= breakerFailures)) {
                state = BreakerState.OPEN;
                openedAt = clock.nanoTime();
            }
        }

        synchronized BreakerState state() {
            if (state == BreakerState.OPEN && clock.nanoTime() - openedAt >= coolDownNanos) {
                return BreakerState.HALF_OPEN;
            }
            return state;
        }
    }

    /** A response body of at most {@code max} bytes; a longer one fails the call. */
    private static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final int max;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private Flow.Subscription subscription;

        BoundedBody(int max) {
            this.max = max;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (body.isDone()) {
                return;
            }
            for (ByteBuffer b : items) {
                if (bytes.size() + b.remaining() > max) {
                    subscription.cancel();
                    body.completeExceptionally(new IOException("response body over " + max + " bytes"));
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                bytes.write(chunk, 0, chunk.length);
            }
        }

        @Override
        public void onError(Throwable t) {
            body.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            body.complete(bytes.toByteArray());
        }
    }
}
