package dev.ferry.bench.peers;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ferry-bench peer-fanout}: stepped fan-out against one peer (with {@code --many-topics}, the many-topics
 * scenario: its lines say {@code peer-topics} and {@code peer-topics-best}). Prints one JSON line per step
 * ({@code "bench":"peer-fanout"}) and one for the highest sustained step and the highest that kept up whatever its p99 ({@code "bench":"peer-fanout-best"}).
 * Exit status 0 when at least one step kept up, 1 when none did, 2 on bad usage, 3 when the run could not be
 * set up.
 */
@Command(name = "peer-fanout", mixinStandardHelpOptions = true,
        description = {"1 publisher -> N subscribers on one topic of a peer, spoken through its codec, at stepped "
                + "publish rates until p99 exceeds the limit or deliveries stop keeping up.",
                "Progress on stderr; JSON lines on stdout."})
public final class PeerFanoutCommand implements Callable<Integer> {
    @Mixin
    PeerConnections target = new PeerConnections();

    @Option(names = "--subscribers", defaultValue = "1000", description = "Subscribers (default ${DEFAULT-VALUE}).")
    int subscribers;

    @Option(names = "--start-deliveries", defaultValue = "20000", description = "Deliveries/s offered by the first step (default ${DEFAULT-VALUE}).")
    long startDeliveries;

    @Option(names = "--factor", defaultValue = "2", description = "Each step offers this many times the previous (default ${DEFAULT-VALUE}).")
    double factor;

    @Option(names = "--steps", defaultValue = "8", description = "At most this many steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--refine", defaultValue = "3", description = "Steps that then narrow the gap between the highest sustained step and the next one, each at their geometric mean (default ${DEFAULT-VALUE}; 0: none).")
    int refine;

    @Option(names = "--initial-warmup", defaultValue = "3", description = "Seconds of unreported publishing at the first step's rate before the steps (default ${DEFAULT-VALUE}).")
    double initialWarmup;

    @Option(names = "--warmup", defaultValue = "1", description = "Warmup seconds per step, not timed (default ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--duration", defaultValue = "3", description = "Measured seconds per step (default ${DEFAULT-VALUE}).")
    double duration;

    @Option(names = "--drain", defaultValue = "3", description = "Seconds to wait for deliveries in flight after a step (default ${DEFAULT-VALUE}).")
    double drain;

    @Option(names = "--p99-limit", defaultValue = "50", description = "Milliseconds of p99 latency a sustained step stays under (default ${DEFAULT-VALUE}).")
    double p99Limit;

    @Option(names = "--p99-cap", defaultValue = "1000", description = "Milliseconds of p99 beyond which a step did not keep up (queueing) and the steps stop (default ${DEFAULT-VALUE}).")
    double p99Cap;

    @Option(names = "--many-topics", description = "Many topics: subscriber i alone on <topic>.<i>, each publication to one of them (the peer-topics scenario).")
    boolean manyTopics;

    @Option(names = "--publishers", defaultValue = "4", description = "Publisher connections with --many-topics, each taking a share of the topics in turn (default ${DEFAULT-VALUE}).")
    int publishers;

    @Option(names = "--topic", defaultValue = "bench.fanout", description = "Topic, in ferry spelling (default ${DEFAULT-VALUE}).")
    String topic;

    @Override
    public Integer call() {
        PeerFanoutRun.Options options;
        try {
            options = new PeerFanoutRun.Options(target.peer, PeerCodecs.byName(target.codec), target.url, topic, subscribers,
                    startDeliveries, factor, steps, initialWarmup, warmup, refine, duration, drain, p99Limit, p99Cap, target.connectConcurrency,
                    target.sourceAddresses, target.clientThreads, manyTopics, publishers);
        } catch (IllegalArgumentException e) {
            System.err.println("peer-fanout: " + e.getMessage());
            return 2;
        }
        List<PeerFanoutRun.Step> done;
        try {
            done = new PeerFanoutRun(options, System.err).run(s -> System.out.println(stepJson(options, s)));
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            System.err.println("peer-fanout: " + target.peer + ": run failed: " + e.getMessage());
            System.out.println(new JsonLine().put("bench", manyTopics ? "peer-topics-best" : "peer-fanout-best").put("peer", target.peer).put("codec", target.codec)
                    .put("subscribers", subscribers).put("failed", String.valueOf(e.getMessage())));
            return 3;
        }
        PeerFanoutRun.Step best = PeerFanoutRun.best(done);
        PeerFanoutRun.Step highest = PeerFanoutRun.highest(done);
        // what ended the steps: the last try of the highest rate offered (refining steps come after it, lower)
        PeerFanoutRun.Step stop = null;
        for (PeerFanoutRun.Step s : done) {
            if (stop == null || s.offered() >= stop.offered()) {
                stop = s;
            }
        }
        JsonLine line = new JsonLine().put("bench", manyTopics ? "peer-topics-best" : "peer-fanout-best").put("peer", target.peer)
                .put("codec", target.codec).put("subscribers", subscribers);
        if (best != null) {
            line.put("rate", best.rate()).put("offered_dps", best.offered()).put("dps", best.deliveriesPerSecond())
                    .put("p50_ms", best.p50Millis()).put("p99_ms", best.p99Millis());
        }
        if (highest != null) {
            line.put("max_rate", highest.rate()).put("max_dps", highest.deliveriesPerSecond())
                    .put("max_p50_ms", highest.p50Millis()).put("max_p99_ms", highest.p99Millis());
        }
        line.put("stop", stop == null || stop.keptUp() ? "last step reached" : stop.verdict());
        System.out.println(line);
        return highest != null ? 0 : 1;
    }

    static String stepJson(PeerFanoutRun.Options o, PeerFanoutRun.Step s) {
        return new JsonLine().put("bench", o.manyTopics() ? "peer-topics" : "peer-fanout").put("peer", o.peer()).put("codec", o.codec().name())
                .put("subscribers", o.subscribers()).put("step", s.index()).put("rate", s.rate())
                .put("offered_dps", s.offered()).put("sent", s.sent()).put("expected", s.expected())
                .put("received", s.received()).put("dps", s.deliveriesPerSecond()).put("p50_ms", s.p50Millis())
                .put("p99_ms", s.p99Millis()).put("max_ms", s.maxMillis()).put("closes", s.closes())
                .put("errors", s.errors()).put("kept_up", s.keptUp()).put("sustained", s.sustained())
                .put("verdict", s.verdict()).toString();
    }
}
