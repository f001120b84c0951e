package dev.ferry.bench.peers;

import dev.ferry.bench.fanout.Latencies;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * Request/response round trips at a fixed concurrency: {@code callers} connections, each with one request in
 * flight (closed loop), for warmup + duration. Against Ferry a request is a ferry.v1 {@code call} to a procedure
 * that {@code callees} connections registered (client → Ferry → callee → Ferry → client); against the echo
 * reference it is a text message the server sends straight back (client → server → client). Latency is from a
 * request's send time, carried in its payload, to its answer; round trips per second count the requests sent in
 * the measured part and answered.
 *
 * <p>{@link #interleaved} runs two of them taking turns (Ferry and the echo), so that a change in the machine's
 * speed during the run weighs on both alike.
 */
public final class PeerRpcRun {
    /** {@code ferry}: calls through Ferry; {@code echo}: a WebSocket echo server. */
    public enum Mode { FERRY, WAMP, ECHO }

    public record Options(String peer, Mode mode, URI base, int callers, int callees, double warmupSeconds,
            double durationSeconds, int clientThreads) {
        public Options {
            if (callers <= 0 || callees <= 0 || durationSeconds <= 0 || warmupSeconds < 0) {
                throw new IllegalArgumentException("callers, callees, duration: > 0; warmup: >= 0");
            }
        }
    }

    public record Result(long roundTrips, double roundTripsPerSecond, double p50Millis, double p99Millis,
            double maxMillis, long errors) {
    }

    /** How long the requests still unanswered when a slice ends may take before the run goes on regardless. */
    private static final long QUIET_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final Options options;
    private final PrintStream progress;

    public PeerRpcRun(Options options, PrintStream progress) {
        this.options = options;
        this.progress = progress;
    }

    /** Warm-up, then the measured window. */
    public Result run() throws IOException, InterruptedException {
        try (Side side = new Side(options)) {
            side.open(progress);
            side.slice(options.warmupSeconds(), false);
            side.slice(options.durationSeconds(), true);
            return side.result(progress);
        }
    }

    /**
     * {@code a} and {@code b} taking turns, their connections open throughout: each warms up, then each runs
     * {@code duration / rounds} seconds, {@code rounds} times (the durations of {@code a} are used for both).
     * Returns the results of {@code a} and {@code b}, in that order.
     */
    public static List<Result> interleaved(Options a, Options b, int rounds, PrintStream progress)
            throws IOException, InterruptedException {
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds: " + rounds + " (expected: > 0)");
        }
        try (Side first = new Side(a); Side second = new Side(b)) {
            first.open(progress);
            second.open(progress);
            progress.printf("taking turns: %d rounds of %.2f s each%n", rounds, a.durationSeconds() / rounds);
            first.slice(a.warmupSeconds(), false);
            second.slice(a.warmupSeconds(), false);
            for (int r = 0; r < rounds; r++) {
                first.slice(a.durationSeconds() / rounds, true);
                second.slice(a.durationSeconds() / rounds, true);
            }
            return List.of(first.result(progress), second.result(progress));
        }
    }

    /** One peer's callers (and Ferry's callees), open for the whole run, and what their measured slices recorded. */
    private static final class Side implements AutoCloseable {
        private final Options o;
        private final Latencies latencies = new Latencies();
        private final LongAdder measured = new LongAdder();
        private final LongAdder errors = new LongAdder();
        private final AtomicInteger inFlight = new AtomicInteger();
        private final String procedure;
        private volatile String firstError;
        /** Whether answers are sent a next request. */
        private volatile boolean running;
        /** Requests sent from here until {@link #windowEnd} are measured; none while {@code windowStart} is MAX. */
        private volatile long windowStart = Long.MAX_VALUE;
        private volatile long windowEnd = Long.MAX_VALUE;
        private double measuredSeconds;
        private PeerClients calleeClients;
        private PeerClients clients;
        private List<PeerHandler> all;

        Side(Options o) {
            this.o = o;
            this.procedure = o.mode() == Mode.WAMP ? WampCodecs.PROCEDURE : FerryRpcCodecs.PROCEDURE;
        }

        private final PeerHandler.Listener listener = new PeerHandler.Listener() {
            @Override
            public void delivery(PeerHandler c, long t, long now) {
                inFlight.decrementAndGet();
                if (t >= windowStart && t < windowEnd) {
                    measured.increment();
                    Latencies.record(latencies.forLoop(c.channel().eventLoop()), now - t);
                }
                if (running) {
                    send(c);
                }
            }

            @Override
            public void error(PeerHandler c, String what) {
                errors.increment();
                if (firstError == null) {
                    firstError = what;
                }
            }

            @Override
            public void closed(PeerHandler c, int code) {
                if (running) {
                    error(c, "closed (" + code + ")");
                }
            }
        };

        private void send(PeerHandler c) {
            inFlight.incrementAndGet();
            c.sendNow(c.session().publish(c.alloc(), procedure, System.nanoTime()));
        }

        void open(PrintStream progress) throws IOException, InterruptedException {
            PeerCodec callerCodec = o.mode() == Mode.FERRY ? FerryRpcCodecs.caller()
                    : o.mode() == Mode.WAMP ? WampCodecs.caller() : new BroadcastCodec();
            if (o.mode() != Mode.ECHO) {
                calleeClients = new PeerClients(o.mode() == Mode.WAMP ? WampCodecs.callee() : FerryRpcCodecs.callee(),
                        o.base(), 1);
                calleeClients.connect(o.callees(), i -> null, listener, o.callees(), 1, null);
            }
            clients = new PeerClients(callerCodec, o.base(), o.clientThreads());
            all = clients.connect(o.callers(), i -> null, listener, 200, PeerClients.sources(0, o.callers()), progress);
            progress.printf("%s: %d callers%s on %s; %.0f s warmup, %.0f s measured%n", o.peer(), o.callers(),
                    calleeClients != null ? ", " + o.callees() + " callee(s)" : "", clients.url(), o.warmupSeconds(),
                    o.durationSeconds());
        }

        /** Round trips for {@code seconds}; measured when {@code measure}. Returns once the last are answered. */
        void slice(double seconds, boolean measure) throws InterruptedException {
            long start = System.nanoTime();
            long end = start + (long) (seconds * 1e9);
            windowEnd = end;
            windowStart = measure ? start : Long.MAX_VALUE;
            running = true;
            for (PeerHandler c : all) {
                c.channel().eventLoop().execute(() -> send(c));
            }
            while (System.nanoTime() < end) {
                Thread.sleep(Math.max(1, Math.min(1000, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
            }
            running = false;
            long deadline = System.nanoTime() + QUIET_TIMEOUT_NANOS;
            while (inFlight.get() > 0 && System.nanoTime() < deadline) { // answers to the last requests
                Thread.sleep(1);
            }
            windowStart = Long.MAX_VALUE;
            if (measure) {
                measuredSeconds += seconds;
            }
        }

        Result result(PrintStream progress) {
            Histogram h = latencies.snapshot();
            long n = measured.sum();
            Result r = new Result(n, n / measuredSeconds, h.getValueAtPercentile(50) / 1e6,
                    h.getValueAtPercentile(99) / 1e6, h.getMaxValue() / 1e6, errors.sum());
            progress.printf("%s: %.0f round trips/s, p50 %.3f ms, p99 %.3f ms, max %.1f ms, %d errors%s%n", o.peer(),
                    r.roundTripsPerSecond(), r.p50Millis(), r.p99Millis(), r.maxMillis(), r.errors(),
                    firstError != null ? " (first: " + firstError + ")" : "");
            return r;
        }

        @Override
        public void close() {
            if (clients != null) {
                clients.close();
            }
            if (calleeClients != null) {
                calleeClients.close();
            }
        }
    }
}
