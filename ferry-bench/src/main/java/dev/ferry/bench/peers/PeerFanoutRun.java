package dev.ferry.bench.peers;

import dev.ferry.bench.fanout.Latencies;
import dev.ferry.bench.fanout.PacedPublisher;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * Fan-out against one peer: N subscribers on one topic, one paced publisher, stepped publish rates. Step
 * {@code k} offers {@code startDeliveries * factor^k} deliveries per second (publications per second rounded up
 * from that over N); each step publishes for warmup + duration, then waits for the deliveries in flight. A step
 * <em>keeps up</em> when every delivery arrived within the drain wait, at least 90% of the offered rate was
 * measured, no subscriber closed, nothing erred, and p99 stayed under the cap (beyond it the deliveries are only
 * queueing); it is <em>sustained</em> when it kept up with p99 within the limit (50 ms). The steps go on while they
 * keep up; a step that did not keep up only on rate or latency is tried once more (one hiccup should not end the
 * run), otherwise the steps stop. Then up to {@code refine} more steps narrow the gap between the highest
 * sustained step and the lowest one above it that was not sustained, each at their geometric mean (with factor 2
 * and 3 of them, to within 2^(1/8), 9%), so that two peers a step apart are not reported 2x apart. The results are
 * the highest sustained step and the highest step that kept up. A top step that left a backlog is given up to
 * {@link #REFINE_DRAIN_FACTOR} drain waits to clear before refining (none if it does not). Before the steps, an
 * unreported warmup at the first step's rate warms up both sides. Bounded: at most
 * {@code 2 * maxSteps + refine + 1} steps, each at most warmup + duration + drain, plus that one longer wait.
 */
public final class PeerFanoutRun {
    /** A step whose measured deliveries per second stay under this share of the offered ones did not keep up. */
    static final double KEEP_UP = 0.9;
    /** Before refining after a top step that left a backlog, wait up to this many drain waits for it to clear. */
    static final double REFINE_DRAIN_FACTOR = 10;

    /** The parameters of a run; {@code peer} is the label in the results. */
    public record Options(String peer, PeerCodec codec, URI base, String topic, int subscribers,
            long startDeliveries, double factor, int maxSteps, double initialWarmupSeconds, double warmupSeconds,
            int refine, double durationSeconds,
            double drainSeconds, double p99LimitMillis, double p99CapMillis, int connectConcurrency, int sourceAddresses,
            int clientThreads, boolean manyTopics, int publishers) {
        public Options {
            if (subscribers <= 0 || startDeliveries <= 0 || factor <= 1 || maxSteps <= 0 || durationSeconds <= 0
                    || warmupSeconds < 0 || initialWarmupSeconds < 0 || publishers <= 0 || p99CapMillis < p99LimitMillis
                    || drainSeconds < 0 || connectConcurrency <= 0 || refine < 0) {
                throw new IllegalArgumentException("subscribers, start-deliveries, steps, duration: > 0; factor: > 1; "
                        + "warmup, drain, refine: >= 0");
            }
        }
    }

    /** One step's figures. */
    public record Step(int index, long rate, long offered, long sent, long expected, long received,
            double deliveriesPerSecond, double p50Millis, double p99Millis, double maxMillis, long closes, long errors,
            boolean drained, boolean keptUp, String verdict) {
        /** Kept up, and p99 within the limit. */
        public boolean sustained() {
            return verdict == null;
        }
    }

    private final Options options;
    private final PrintStream progress;

    public PeerFanoutRun(Options options, PrintStream progress) {
        this.options = options;
        this.progress = progress;
    }

    /** Runs the steps, handing each step's figures to {@code each} as it ends; returns them all. */
    public List<Step> run(Consumer<Step> each) throws IOException, InterruptedException {
        Options o = options;
        List<Step> steps = new ArrayList<>();
        LongAdder deliveries = new LongAdder();
        LongAdder errors = new LongAdder();
        LongAdder closes = new LongAdder();
        LongAccumulator last = new LongAccumulator(Math::max, Long.MIN_VALUE);
        Latencies latencies = new Latencies();
        Window window = new Window();
        String[] firstError = new String[1];
        PeerHandler.Listener subscribers = new PeerHandler.Listener() {
            @Override
            public void delivery(PeerHandler c, long t, long now) {
                deliveries.increment();
                last.accumulate(now);
                if (t >= window.from && t < window.to) {
                    window.measured.increment();
                    Latencies.record(latencies.forLoop(c.channel().eventLoop()), now - t);
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
                if (!window.ending) {
                    closes.increment();
                }
            }
        };
        PeerHandler.Listener publisherListener = new PeerHandler.Listener() {
            @Override
            public void delivery(PeerHandler c, long t, long now) {
                // broadcast peers send the publisher its own messages: not a subscriber's delivery
            }

            @Override
            public void error(PeerHandler c, String what) {
                subscribers.error(c, what);
            }

            @Override
            public void closed(PeerHandler c, int code) {
                subscribers.closed(c, code);
            }
        };
        String topic = o.codec().topic(o.topic());
        // many topics: subscriber i alone on <topic>.<i>, each publication reaches one subscriber; publisher j
        // takes topics j, j + P, j + 2P, ... in turn. One topic: every publication reaches every subscriber.
        int pubs = o.manyTopics() ? Math.min(o.publishers(), o.subscribers()) : 1;
        long fan = o.manyTopics() ? 1 : o.subscribers();
        String[][] topicsOf = new String[pubs][];
        for (int j = 0; j < pubs; j++) {
            topicsOf[j] = new String[(o.subscribers() - j + pubs - 1) / pubs];
            for (int n = 0; n < topicsOf[j].length; n++) {
                topicsOf[j][n] = o.manyTopics() ? o.codec().topic(o.topic() + "." + (j + n * pubs)) : topic;
            }
        }
        try (PeerClients clients = new PeerClients(o.codec(), o.base(), o.clientThreads())) {
            int sources = PeerClients.sources(o.sourceAddresses(), o.subscribers());
            long connectStart = System.nanoTime();
            clients.connect(o.subscribers(), i -> topicsOf[i % pubs][i / pubs], subscribers, o.connectConcurrency(),
                    sources, progress);
            progress.printf("%s: %d subscribers on %s subscribed in %.2f s (%s, %d client threads, %d source addresses)%n",
                    o.peer(), o.subscribers(), clients.url(), (System.nanoTime() - connectStart) / 1e9,
                    clients.transport(), clients.threads(), sources);
            List<PeerHandler> publishers = new ArrayList<>();
            for (int j = 0; j < pubs; j++) {
                publishers.add(clients.connectSolo(publisherListener));
            }
            long expectedTotal = 0;
            boolean retried = false;
            int refinesLeft = o.refine();
            Refinement refinement = null;
            for (int k = -1; k < o.maxSteps() || refinement != null; ) {
                // step -1 warms both sides up (JIT, pools) at the first step's rate; it is neither judged nor reported
                boolean warming = k < 0;
                double offeredDeliveries = refinement != null ? refinement.next()
                        : o.startDeliveries() * Math.pow(o.factor(), Math.max(0, k));
                long ratePerPublisher = Math.max(1, (long) Math.ceil(offeredDeliveries / fan / pubs));
                long rate = ratePerPublisher * pubs;
                double stepWarmup = warming ? o.initialWarmupSeconds() : o.warmupSeconds();
                double stepDuration = warming ? 0.5 : o.durationSeconds();
                long warmupPerPublisher = (long) (ratePerPublisher * stepWarmup);
                long warmupCount = warmupPerPublisher * pubs;
                long total = warmupPerPublisher + (long) Math.max(1, ratePerPublisher * stepDuration);
                latencies.snapshot(); // forget anything recorded before this step
                window.measured.reset();
                List<PacedPublisher> pacers = new ArrayList<>();
                for (int j = 0; j < pubs; j++) {
                    PeerHandler publisher = publishers.get(j);
                    String[] own = topicsOf[j];
                    long[] next = new long[1]; // publisher j's event loop only
                    pacers.add(new PacedPublisher(publisher.channel(),
                            (alloc, at) -> publisher.session().publish(alloc, own[(int) (next[0]++ % own.length)], at),
                            total, ratePerPublisher));
                }
                long t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
                window.from = PacedPublisher.due(t0, warmupPerPublisher, ratePerPublisher);
                window.to = Long.MAX_VALUE;
                long errorsBefore = errors.sum();
                long closesBefore = closes.sum();
                progress.printf("%s: %s: %d publications/s (%d publisher(s)) x %d subscriber(s) each = %d deliveries/s "
                        + "offered, %.1f s%n", o.peer(), warming ? "warming up" : "step " + k, rate, pubs, fan, rate * fan,
                        stepWarmup + stepDuration);
                String failure = null;
                List<java.util.concurrent.CompletableFuture<Void>> running = new ArrayList<>();
                for (PacedPublisher p : pacers) {
                    running.add(p.start(t0));
                }
                for (java.util.concurrent.CompletableFuture<Void> r : running) {
                    try {
                        r.get((long) (stepWarmup + stepDuration) + 30, TimeUnit.SECONDS);
                    } catch (ExecutionException | TimeoutException e) {
                        failure = "publisher: " + (e.getCause() != null ? e.getCause() : e);
                    }
                }
                long sent = pacers.stream().mapToLong(PacedPublisher::sent).sum();
                expectedTotal += sent * fan;
                long deadline = System.nanoTime() + (long) (o.drainSeconds() * 1e9);
                while (deliveries.sum() < expectedTotal && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                long received = deliveries.sum();
                boolean drained = received >= expectedTotal;
                Histogram h = latencies.snapshot();
                long measured = window.measured.sum();
                // over the measured schedule (its publications / rate), or until the last delivery when that is later:
                // a burst of deliveries faster than the schedule does not count as a higher rate
                double span = (double) Math.max(0, sent - warmupCount) / rate;
                double seconds = Math.max(span, (last.get() - window.from) / 1e9);
                double dps = seconds > 0 ? measured / seconds : 0;
                double p50 = h.getValueAtPercentile(50) / 1e6;
                double p99 = h.getValueAtPercentile(99) / 1e6;
                long stepCloses = closes.sum() - closesBefore;
                long stepErrors = errors.sum() - errorsBefore;
                long offered = rate * fan;
                String verdict = failure;
                boolean keptUp = false;
                if (verdict == null && stepErrors > 0) {
                    verdict = stepErrors + " errors (first: " + firstError[0] + ")";
                } else if (verdict == null && stepCloses > 0) {
                    verdict = stepCloses + " subscribers closed";
                } else if (verdict == null && !drained) {
                    verdict = "deliveries missing after the drain wait";
                } else if (verdict == null && dps < KEEP_UP * offered) {
                    verdict = "deliveries below " + (int) (KEEP_UP * 100) + "% of offered";
                } else if (verdict == null && p99 > o.p99CapMillis()) {
                    verdict = "p99 above " + fmt(o.p99CapMillis()) + " ms (queueing)";
                } else if (verdict == null) {
                    keptUp = true;
                    if (p99 > o.p99LimitMillis()) {
                        verdict = "p99 above " + fmt(o.p99LimitMillis()) + " ms";
                    }
                }
                Step step = new Step(k, rate, offered, sent, sent * fan, received - (expectedTotal - sent * fan), dps, p50, p99, h.getMaxValue() / 1e6,
                        stepCloses, stepErrors, drained, keptUp, verdict);
                progress.printf("%s: step %d: %.0f deliveries/s, p50 %.2f ms, p99 %.2f ms, max %.1f ms%s%n", o.peer(),
                        k, dps, p50, p99, step.maxMillis(), verdict == null ? "" : " -- " + verdict);
                if (warming) {
                    if (!drained || stepCloses > 0 || failure != null) {
                        steps.add(step);
                        each.accept(step);
                        break;
                    }
                    k++;
                    continue;
                }
                steps.add(step);
                each.accept(step);
                if (clients.open() < o.subscribers()) {
                    break;
                }
                if (refinement != null) {
                    // a refining step that left a backlog, a close or an error ends the run; otherwise it narrows
                    if (!drained || stepCloses > 0 || stepErrors > 0 || failure != null || --refinesLeft == 0) {
                        break;
                    }
                    refinement.record(step.offered(), step.sustained());
                    k++;
                    Thread.sleep(200);
                    continue;
                }
                boolean ends = keptUp ? k + 1 >= o.maxSteps()
                        : retried || !drained || stepCloses > 0 || stepErrors > 0 || failure != null;
                if (ends && refinesLeft > 0 && !drained && stepCloses == 0 && stepErrors == 0 && failure == null) {
                    // the top step left a backlog: let it drain (bounded) so that the refining steps start clean
                    long backlogDeadline = System.nanoTime() + (long) (REFINE_DRAIN_FACTOR * o.drainSeconds() * 1e9);
                    while (deliveries.sum() < expectedTotal && System.nanoTime() < backlogDeadline) {
                        Thread.sleep(20);
                    }
                    drained = deliveries.sum() >= expectedTotal;
                    if (drained) {
                        progress.printf("%s: the backlog drained; refining%n", o.peer());
                    }
                }
                if (ends && refinesLeft > 0 && drained && stepCloses == 0 && stepErrors == 0 && failure == null) {
                    refinement = Refinement.of(steps);
                    if (refinement != null) {
                        progress.printf("%s: refining between %.0f and %.0f deliveries/s offered%n", o.peer(),
                                refinement.low, refinement.high);
                        k++;
                        Thread.sleep(200);
                        continue;
                    }
                }
                if (!keptUp) {
                    // one retry of a step that failed only on rate or latency, so that one hiccup (a GC pause, a
                    // neighbour's build) does not end the run; a backlog, a close or an error ends it at once
                    if (retried || !drained || stepCloses > 0 || stepErrors > 0 || failure != null) {
                        break;
                    }
                    retried = true;
                    progress.printf("%s: step %d: trying it once more%n", o.peer(), k);
                } else {
                    retried = false;
                    k++;
                }
                Thread.sleep(200);
            }
            window.ending = true;
        }
        return steps;
    }

    private static String fmt(double millis) {
        return millis == Math.rint(millis) ? Long.toString((long) millis) : Double.toString(millis);
    }

    /** The step that kept up with the highest deliveries per second, whatever its latency, or null. */
    public static Step highest(List<Step> steps) {
        Step best = null;
        for (Step s : steps) {
            if (s.keptUp() && (best == null || s.deliveriesPerSecond() > best.deliveriesPerSecond())) {
                best = s;
            }
        }
        return best;
    }

    /** The highest sustained step (kept up, p99 within the limit), or null. */
    public static Step best(List<Step> steps) {
        Step best = null;
        for (Step s : steps) {
            if (s.sustained() && (best == null || s.deliveriesPerSecond() > best.deliveriesPerSecond())) {
                best = s;
            }
        }
        return best;
    }

    /**
     * The gap a run narrows once its steps have ended: between the highest sustained step's offered rate and the
     * lowest one above it that was not sustained.
     */
    static final class Refinement {
        double low;
        double high;

        /** The gap left by {@code steps}, or null when there is none (nothing sustained, or everything was). */
        static Refinement of(List<Step> steps) {
            double low = 0;
            for (Step s : steps) {
                if (s.sustained()) {
                    low = Math.max(low, s.offered());
                }
            }
            double high = Double.MAX_VALUE;
            for (Step s : steps) {
                if (!s.sustained() && s.offered() > low) {
                    high = Math.min(high, s.offered());
                }
            }
            if (low == 0 || high == Double.MAX_VALUE) {
                return null;
            }
            Refinement r = new Refinement();
            r.low = low;
            r.high = high;
            return r;
        }

        /** The next rate to offer: the geometric mean of the gap. */
        double next() {
            return Math.sqrt(low * high);
        }

        void record(double offered, boolean sustained) {
            if (sustained) {
                low = Math.max(low, offered);
            } else {
                high = Math.min(high, offered);
            }
        }
    }

    /** Where the measured part of the current step lies, in intended send times. */
    private static final class Window {
        volatile long from = Long.MAX_VALUE;
        volatile long to = Long.MAX_VALUE;
        volatile boolean ending;
        final LongAdder measured = new LongAdder();
    }
}
