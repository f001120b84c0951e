package dev.ferry.bench.peers;

import dev.ferry.bench.fanout.Latencies;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * Request/response round trips at a fixed concurrency: {@code callers} connections, each with one request in
 * flight (closed loop), for warmup + duration. Against Ferry a request is a ferry.v1 {@code call} to a procedure
 * that {@code callees} connections registered (client → Ferry → callee → Ferry → client); against the echo
 * reference it is a text message the server sends straight back (client → server → client). Latency is from a
 * request's send time, carried in its payload, to its answer; round trips per second count the requests sent in
 * the measured part and answered.
 */
public final class PeerRpcRun {
    /** {@code ferry}: calls through Ferry; {@code echo}: a WebSocket echo server. */
    public enum Mode { FERRY, ECHO }

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

    private final Options options;
    private final PrintStream progress;

    public PeerRpcRun(Options options, PrintStream progress) {
        this.options = options;
        this.progress = progress;
    }

    public Result run() throws IOException, InterruptedException {
        Options o = options;
        Latencies latencies = new Latencies();
        LongAdder measured = new LongAdder();
        LongAdder errors = new LongAdder();
        String[] firstError = new String[1];
        long[] window = {Long.MAX_VALUE, Long.MAX_VALUE};
        AtomicBoolean running = new AtomicBoolean(true);
        PeerCodec callerCodec = o.mode() == Mode.FERRY ? FerryRpcCodecs.caller() : new BroadcastCodec();
        String procedure = FerryRpcCodecs.PROCEDURE;
        PeerHandler.Listener callers = new PeerHandler.Listener() {
            @Override
            public void delivery(PeerHandler c, long t, long now) {
                if (t >= window[0] && t < window[1]) {
                    measured.increment();
                    Latencies.record(latencies.forLoop(c.channel().eventLoop()), now - t);
                }
                if (running.get()) {
                    c.sendNow(c.session().publish(c.alloc(), procedure, System.nanoTime()));
                }
            }

            @Override
            public void error(PeerHandler c, String what) {
                errors.increment();
                if (firstError[0] == null) {
                    firstError[0] = what;
                }
            }

            @Override
            public void closed(PeerHandler c, int code) {
                if (running.get()) {
                    error(c, "closed (" + code + ")");
                }
            }
        };
        try (PeerClients calleeClients = o.mode() == Mode.FERRY
                ? new PeerClients(FerryRpcCodecs.callee(), o.base(), 1) : null;
                PeerClients clients = new PeerClients(callerCodec, o.base(), o.clientThreads())) {
            if (calleeClients != null) {
                calleeClients.connect(o.callees(), i -> null, callers, o.callees(), 1, null);
            }
            List<PeerHandler> all = clients.connect(o.callers(), i -> null, callers, 200,
                    PeerClients.sources(0, o.callers()), progress);
            progress.printf("%s: %d callers%s on %s; %.0f s warmup, %.0f s measured%n", o.peer(), o.callers(),
                    calleeClients != null ? ", " + o.callees() + " callee(s)" : "", clients.url(), o.warmupSeconds(),
                    o.durationSeconds());
            long start = System.nanoTime();
            window[0] = start + (long) (o.warmupSeconds() * 1e9);
            window[1] = window[0] + (long) (o.durationSeconds() * 1e9);
            for (PeerHandler c : all) {
                c.channel().eventLoop().execute(() -> c.sendNow(c.session().publish(c.alloc(), procedure, System.nanoTime())));
            }
            long end = window[1];
            while (System.nanoTime() < end) {
                Thread.sleep(Math.max(1, Math.min(1000, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
            }
            running.set(false);
            Thread.sleep(500); // answers to the last requests of the window
            Histogram h = latencies.snapshot();
            long n = measured.sum();
            Result r = new Result(n, n / o.durationSeconds(), h.getValueAtPercentile(50) / 1e6,
                    h.getValueAtPercentile(99) / 1e6, h.getMaxValue() / 1e6, errors.sum());
            progress.printf("%s: %.0f round trips/s, p50 %.3f ms, p99 %.3f ms, max %.1f ms, %d errors%s%n", o.peer(),
                    r.roundTripsPerSecond(), r.p50Millis(), r.p99Millis(), r.maxMillis(), r.errors(),
                    firstError[0] != null ? " (first: " + firstError[0] + ")" : "");
            return r;
        }
    }
}
