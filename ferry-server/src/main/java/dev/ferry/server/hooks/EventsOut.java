package dev.ferry.server.hooks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.ferry.server.config.EventsOutConfig;
import dev.ferry.server.time.ServerClock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Events out (docs/hooks.md, "Events out"): connections opened and closed, subscriptions made and ended, presence
 * joins and leaves of this node, POSTed as JSON batches to {@code hooks.events.url} through the shared
 * {@link BackendClient} (hook name {@code events}).
 *
 * <p>The queue is bounded ({@code hooks.events.queue-size}, the batch in flight included): an event that finds it
 * full drops the oldest one queued (counted {@code dropped}), so that the backend gets the latest events. One batch
 * is in flight at a time, so batches arrive in order. A batch goes when {@code batch-size} events are queued, else
 * every {@code flush-interval}; a batch the backend does not take (no answer, or a status other than 2xx) is sent
 * again after {@code retry-backoff}, doubled at each retry (at most 30 times it), up to {@code max-retries} times,
 * then dropped (counted {@code failed}). Meters: {@code ferry_hook_events_total{outcome}} with {@code queued},
 * {@code sent}, {@code dropped}, {@code failed}, and {@code ferry_hook_events_queue} (events waiting).
 *
 * <p>Threading: the {@code on...} methods are called from any thread (event loops included) and never block but
 * for a short lock around the queue. Sending runs on a thread of its own; timers are on the server clock.
 */
public final class EventsOut implements AutoCloseable {
    /** The hook name of its calls, in {@code ferry_hook_*} meters. */
    public static final String HOOK = "events";
    private static final JsonFactory JSON = new JsonFactory();
    private static final int MAX_BACKOFF_FACTOR = 30;

    /** An instance that sends nothing (no {@code hooks.events.url}). */
    public static final EventsOut NONE = new EventsOut();

    /** One event; the fields its kind does not have are null. */
    private record Event(String kind, long time, String conn, String user, String transport, String address,
                         String pattern, String topic) {
    }

    /** Read at each event and batch: {@link #reload} swaps it. */
    private volatile EventsOutConfig config;
    private final BackendClient client;
    private final ServerClock clock;
    private final String node;
    private final EventExecutor sender;
    /** By kind, whether {@code config} sends it; swapped whole with it. */
    private volatile boolean[] wanted;
    private final MeterRegistry meters;
    private final Gauge waitingGauge;

    private final Counter queued;
    private final Counter sent;
    private final Counter dropped;
    private final Counter failed;

    // ---- guarded by queue
    private final ArrayDeque<Event> queue;
    /** Events of the batch in flight (they count against the queue's bound). */
    private int inFlight;

    /** Set when a flush is asked of the sender and not yet begun. */
    private final AtomicBoolean flushAsked = new AtomicBoolean();

    // ---- sender thread only
    private boolean sending;
    private long nextBatch;
    private ScheduledFuture<?> ticker;
    private boolean closed;

    private EventsOut() {
        this.config = null;
        this.client = null;
        this.clock = null;
        this.node = null;
        this.sender = null;
        this.queue = null;
        this.queued = null;
        this.sent = null;
        this.dropped = null;
        this.failed = null;
        this.meters = null;
        this.waitingGauge = null;
    }

    /**
     * Events of the kinds {@code config} selects, sent through {@code client} once {@link #start()}ed; {@code node}
     * names this node in every batch; meters go to {@code meters}, timers run on {@code clock}.
     */
    public EventsOut(EventsOutConfig config, BackendClient client, ServerClock clock, MeterRegistry meters,
                     String node) {
        if (!config.enabled()) {
            throw new IllegalArgumentException("hooks.events.url is not set");
        }
        this.config = config;
        this.client = client;
        this.clock = clock;
        this.node = node;
        this.wanted = wanted(config);
        this.meters = meters;
        this.queue = new ArrayDeque<>(Math.min(config.queueSize(), 1024));
        this.sender = new DefaultEventExecutor(new DefaultThreadFactory("ferry-events-out", true));
        this.queued = counter(meters, "queued", "events queued to be sent to hooks.events.url");
        this.sent = counter(meters, "sent", "events the backend took");
        this.dropped = counter(meters, "dropped", "events dropped because the queue was full (the oldest queued)");
        this.failed = counter(meters, "failed", "events dropped after their batch failed every retry");
        this.waitingGauge = Gauge.builder("ferry.hook.events.queue", this, EventsOut::waiting)
                .description("events waiting to be sent to hooks.events.url, the batch in flight included")
                .register(meters);
    }

    private static boolean[] wanted(EventsOutConfig config) {
        boolean[] out = new boolean[EventsOutConfig.KINDS.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = config.kinds().contains(EventsOutConfig.KINDS.get(i));
        }
        return out;
    }

    /**
     * A reload to {@code next} (enabled): the events queued stay and go, with the batch in flight, to
     * {@code next}'s URL; the kinds, batch size, queue size (the oldest events beyond a smaller one are dropped),
     * timeout, headers and retries apply from the next event and batch on, a new flush interval from the next tick.
     */
    public void reload(EventsOutConfig next) {
        if (sender == null || !next.enabled()) {
            throw new IllegalArgumentException("events out is not enabled");
        }
        EventsOutConfig before = config;
        synchronized (queue) {
            config = next;
            wanted = wanted(next);
            while (!queue.isEmpty() && queue.size() + inFlight > next.queueSize()) {
                queue.pollFirst();
                dropped.increment();
            }
        }
        if (!before.flushInterval().equals(next.flushInterval())) {
            sender.execute(() -> {
                if (closed) {
                    return;
                }
                if (ticker != null) {
                    ticker.cancel(false);
                }
                long period = next.flushInterval().toNanos();
                ticker = clock.scheduleAtFixedRate(sender, this::flush, period, TimeUnit.NANOSECONDS);
            });
        }
    }

    private static Counter counter(MeterRegistry meters, String outcome, String description) {
        return Counter.builder("ferry.hook.events").tag("outcome", outcome).description(description).register(meters);
    }

    /** Starts the flush timer. */
    public void start() {
        if (sender == null) {
            return;
        }
        long period = config.flushInterval().toNanos();
        sender.execute(() -> ticker = clock.scheduleAtFixedRate(sender, this::flush, period, TimeUnit.NANOSECONDS));
    }

    /** Whether events are sent at all. */
    public boolean enabled() {
        return sender != null;
    }

    // ------------------------------------------------------------ the events

    /** A connection opened; {@code user} is null when anonymous, {@code address} when unknown. */
    public void connectionOpened(String conn, String user, String transport, String address) {
        add(0, conn, user, transport, address, null, null);
    }

    public void connectionClosed(String conn, String user, String transport) {
        add(1, conn, user, transport, null, null, null);
    }

    public void subscribed(String conn, String user, String pattern) {
        add(2, conn, user, null, null, pattern, null);
    }

    /** A subscription ended: unsubscribed, dropped, or its connection closed. */
    public void unsubscribed(String conn, String user, String pattern) {
        add(3, conn, user, null, null, pattern, null);
    }

    public void presenceJoined(String topic, String conn, String user) {
        add(4, conn, user, null, null, null, topic);
    }

    public void presenceLeft(String topic, String conn, String user) {
        add(5, conn, user, null, null, null, topic);
    }

    private void add(int kind, String conn, String user, String transport, String address, String pattern,
                     String topic) {
        if (sender == null || !wanted[kind]) {
            return;
        }
        Event e = new Event(EventsOutConfig.KINDS.get(kind), clock.millis(), conn, user, transport, address, pattern,
                topic);
        boolean full;
        synchronized (queue) {
            if (queue.size() + inFlight >= config.queueSize()) {
                if (queue.isEmpty()) {
                    // the whole bound is the batch in flight: the new event is the one that does not fit
                    dropped.increment();
                    return;
                }
                queue.pollFirst();
                dropped.increment();
            }
            queue.addLast(e);
            full = queue.size() >= config.batchSize();
        }
        queued.increment();
        if (full && flushAsked.compareAndSet(false, true)) {
            sender.execute(this::flush);
        }
    }

    /** Events queued or in flight. */
    public int waiting() {
        if (queue == null) {
            return 0;
        }
        synchronized (queue) {
            return queue.size() + inFlight;
        }
    }

    // ------------------------------------------------------------ sending (sender thread)

    /** Sends a batch of what is queued, unless one is in flight. */
    private void flush() {
        flushAsked.set(false);
        if (sending || closed) {
            return;
        }
        List<Event> batch = new ArrayList<>();
        synchronized (queue) {
            while (batch.size() < config.batchSize() && !queue.isEmpty()) {
                batch.add(queue.pollFirst());
            }
            inFlight = batch.size();
        }
        if (batch.isEmpty()) {
            return;
        }
        sending = true;
        send(body(++nextBatch, batch), batch.size(), 0);
    }

    private void send(byte[] body, int events, int attempt) {
        client.post(HOOK, config.url(), body, config.headers(), config.timeout(), 1)
                .whenComplete((response, failure) -> sender.execute(() -> {
                    if (failure == null && response.ok()) {
                        sent(events);
                    } else if (attempt < config.maxRetries() && !closed) {
                        long factor = Math.min(1L << Math.min(attempt, 20), MAX_BACKOFF_FACTOR);
                        clock.schedule(sender, () -> send(body, events, attempt + 1),
                                config.retryBackoff().toNanos() * factor, TimeUnit.NANOSECONDS);
                    } else {
                        failed.increment(events);
                        done();
                    }
                }));
    }

    private void sent(int events) {
        sent.increment(events);
        done();
    }

    /** The batch in flight is over: the next goes at once when a whole one is queued. */
    private void done() {
        boolean more;
        synchronized (queue) {
            inFlight = 0;
            more = queue.size() >= config.batchSize();
        }
        sending = false;
        if (more) {
            flush();
        }
    }

    /** {@code {"node", "batch", "events": [...]}} (docs/hooks.md). */
    private byte[] body(long batch, List<Event> events) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + 128 * events.size());
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("node", node);
            g.writeNumberField("batch", batch);
            g.writeArrayFieldStart("events");
            for (Event e : events) {
                g.writeStartObject();
                g.writeStringField("kind", e.kind());
                g.writeNumberField("time", e.time());
                g.writeStringField("conn", e.conn());
                g.writeStringField("user", e.user());
                if (e.transport() != null) {
                    g.writeStringField("transport", e.transport());
                }
                if (e.address() != null) {
                    g.writeStringField("address", e.address());
                }
                if (e.pattern() != null) {
                    g.writeStringField("pattern", e.pattern());
                }
                if (e.topic() != null) {
                    g.writeStringField("topic", e.topic());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Stops sending: what is queued is not sent; a batch in flight ends on its own. */
    @Override
    public void close() {
        if (sender == null) {
            return;
        }
        meters.remove(waitingGauge);
        sender.execute(() -> {
            closed = true;
            if (ticker != null) {
                ticker.cancel(false);
            }
        });
        sender.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
