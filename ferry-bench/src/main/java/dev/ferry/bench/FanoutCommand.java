package dev.ferry.bench;

import dev.ferry.bench.fanout.FanoutOptions;
import dev.ferry.bench.fanout.FanoutResult;
import dev.ferry.bench.fanout.FanoutRun;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry-bench fanout}: one publisher, N subscribers on one topic. Exit status 0 when every publication
 * reached every subscriber, 1 when deliveries were lost or errors or early closes were seen, 2 on bad usage,
 * 3 when the run could not be set up.
 */
@Command(name = "fanout", mixinStandardHelpOptions = true,
        description = {"One paced publisher, N subscribers on one topic: deliveries and latency from each "
                + "publication's intended send time to its arrival.",
                "Prints a report, then one line of JSON."})
final class FanoutCommand implements Callable<Integer> {
    @Option(names = "--url", description = "ferry.v1 endpoint on a loopback address, e.g. ws://127.0.0.1:8080/v1/ws. "
            + "Repeat it for several nodes of one cluster: subscribers are spread round-robin over them, the publisher "
            + "is on the first unless --publish-url says otherwise. "
            + "Without it (or with --embedded) a server is started in this JVM.")
    private List<URI> urls = new ArrayList<>();

    @Option(names = "--publish-url", description = "ferry.v1 endpoint of the publisher (default: the first --url); "
            + "may be a node that no subscriber uses, to measure the hop between nodes.")
    private URI publishUrl;

    @Option(names = "--embedded", description = "Start an embedded server on 127.0.0.1 (the default when --url is absent).")
    private boolean embedded;

    @Option(names = "--subscribers", defaultValue = "1000", description = "Subscriber connections (default ${DEFAULT-VALUE}).")
    private int subscribers;

    @Option(names = "--rate", defaultValue = "1000", description = "Publications per second (default ${DEFAULT-VALUE}).")
    private int rate;

    @Option(names = "--payload", defaultValue = "100", description = "Bytes of each publication's data value (default ${DEFAULT-VALUE}; at least about 35).")
    private int payload;

    @Option(names = "--duration", defaultValue = "10", description = "Measured seconds (default ${DEFAULT-VALUE}).")
    private int duration;

    @Option(names = "--warmup", defaultValue = "3", description = "Warmup seconds, not timed (default ${DEFAULT-VALUE}).")
    private int warmup;

    @Option(names = "--topic", defaultValue = "bench.fanout", description = "Topic (default ${DEFAULT-VALUE}).")
    private String topic;

    @Option(names = "--connect-concurrency", defaultValue = "200", description = "Subscriber connections set up at once (default ${DEFAULT-VALUE}).")
    private int connectConcurrency;

    @Option(names = "--source-addresses", defaultValue = "0", description = "Spread subscribers over 127.0.0.1..127.0.0.N (default 0: one address per 16000 connections).")
    private int sourceAddresses;

    @Option(names = "--client-threads", defaultValue = "0", description = "Subscriber event-loop threads (default 0: one per core).")
    private int clientThreads;

    @Option(names = "--server-threads", defaultValue = "0", description = "Embedded server event-loop threads (default 0: one per core).")
    private int serverThreads;

    @Option(names = "--drain-timeout", defaultValue = "10", description = "Seconds to wait for deliveries in flight after the last publication (default ${DEFAULT-VALUE}).")
    private int drainTimeout;

    @Option(names = "--nodes", defaultValue = "1", description = "Embedded servers sharing Redis (default ${DEFAULT-VALUE}: one, in-memory engine); subscribers are spread over them, the publisher is on the first.")
    private int nodes;

    @Option(names = "--redis", defaultValue = "redis://127.0.0.1:6379", description = "Redis for --nodes > 1 (default ${DEFAULT-VALUE}).")
    private String redis;

    @Override
    public Integer call() {
        FanoutOptions options;
        try {
            if (embedded && !urls.isEmpty() || publishUrl != null && urls.isEmpty()) {
                throw new IllegalArgumentException("--url and --publish-url go together, without --embedded");
            }
            if (publishUrl != null) {
                dev.ferry.bench.fanout.Loopback.checkUrl(publishUrl);
            }
            options = new FanoutOptions(embedded || urls.isEmpty() ? null : urls.get(0), subscribers, rate, payload, Duration.ofSeconds(duration),
                    Duration.ofSeconds(warmup), topic, connectConcurrency, sourceAddresses, clientThreads,
                    serverThreads, Duration.ofSeconds(drainTimeout));
        } catch (IllegalArgumentException e) {
            System.err.println("fanout: " + e.getMessage());
            return 2;
        }
        if (nodes < 1 || (nodes > 1 && !options.embedded())) {
            System.err.println("fanout: --nodes " + nodes + " (expected: 1, or more with an embedded server)");
            return 2;
        }
        FanoutResult result;
        try {
            FanoutRun run = new FanoutRun(options, System.err, nodes, nodes > 1 ? redis : null);
            if (!options.embedded()) {
                run.external(urls, publishUrl != null ? publishUrl : urls.get(0));
            }
            result = run.run();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            System.err.println("fanout: run failed: " + e.getMessage());
            return 3;
        }
        result.print(System.out);
        System.out.println(result.toJson());
        return result.ok() ? 0 : 1;
    }
}
