package dev.ferry.bench.peers;

import java.net.URI;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry-bench peer-rpc}: closed-loop round trips through Ferry RPC, or against a WebSocket echo server as
 * the reference, or both taking turns ({@code --echo-url}). Prints one JSON line ({@code "bench":"peer-rpc"}) per
 * path. Exit status 0 without errors, 1 with, 2 on bad usage, 3 when the run could not be set up.
 */
@Command(name = "peer-rpc", mixinStandardHelpOptions = true,
        description = {"Callers -> Ferry -> callee round trips (or a direct WebSocket echo) at a fixed concurrency.",
                "Progress on stderr; one JSON line on stdout."})
public final class PeerRpcCommand implements Callable<Integer> {
    @Option(names = "--peer", required = true, description = "Label in the results, e.g. ferry-rpc or netty-echo.")
    String peer;

    @Option(names = "--mode", required = true, description = "ferry (ferry.v1 calls through Ferry), wamp (WAMP calls through Ferry's /v1/wamp) or echo (a WebSocket echo server).")
    String mode;

    @Option(names = "--url", required = true, description = "Base URL on loopback, e.g. ws://127.0.0.1:8080.")
    URI url;

    @Option(names = "--callers", defaultValue = "50", description = "Caller connections, one request in flight each (default ${DEFAULT-VALUE}).")
    int callers;

    @Option(names = "--callees", defaultValue = "1", description = "Callee connections registering the procedure (ferry; default ${DEFAULT-VALUE}).")
    int callees;

    @Option(names = "--warmup", defaultValue = "2", description = "Warmup seconds (default ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--duration", defaultValue = "8", description = "Measured seconds (default ${DEFAULT-VALUE}).")
    double duration;

    @Option(names = "--client-threads", defaultValue = "0", description = "Caller event loops (default 0: one per core).")
    int clientThreads;

    @Option(names = "--echo-url", description = "With --mode ferry: an echo server's base URL; Ferry and the echo "
            + "then take turns in --rounds slices each, their connections open throughout, and both are reported.")
    URI echoUrl;

    @Option(names = "--echo-mode", defaultValue = "echo", description = "With --echo-url: what the other side is: echo (default), or wamp (WAMP calls through the Ferry at --echo-url, e.g. the same server, to compare both protocols in one run).")
    String echoMode;

    @Option(names = "--echo-peer", defaultValue = "netty-echo", description = "Label of the echo in the results (default ${DEFAULT-VALUE}).")
    String echoPeer;

    @Option(names = "--rounds", defaultValue = "10", description = "With --echo-url: measured slices per side (default ${DEFAULT-VALUE}).")
    int rounds;

    @Override
    public Integer call() {
        PeerRpcRun.Options options;
        try {
            options = new PeerRpcRun.Options(peer, PeerRpcRun.Mode.valueOf(mode.toUpperCase(Locale.ROOT)), url, callers,
                    callees, warmup, duration, clientThreads);
        } catch (IllegalArgumentException e) {
            System.err.println("peer-rpc: " + e.getMessage() + " (mode: ferry, wamp or echo)");
            return 2;
        }
        if (echoUrl != null && (options.mode() != PeerRpcRun.Mode.FERRY || rounds < 1)) {
            System.err.println("peer-rpc: --echo-url goes with --mode ferry, and --rounds must be > 0");
            return 2;
        }
        JsonLine line = new JsonLine().put("bench", "peer-rpc").put("peer", peer).put("mode", mode)
                .put("callers", callers);
        try {
            if (echoUrl == null) {
                PeerRpcRun.Result r = new PeerRpcRun(options, System.err).run();
                System.out.println(result(line, r));
                return r.errors() == 0 ? 0 : 1;
            }
            PeerRpcRun.Mode otherMode;
            try {
                otherMode = PeerRpcRun.Mode.valueOf(echoMode.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                System.err.println("peer-rpc: --echo-mode " + echoMode + " (expected: echo or wamp)");
                return 2;
            }
            PeerRpcRun.Options echo = new PeerRpcRun.Options(echoPeer, otherMode, echoUrl, callers, callees,
                    warmup, duration, clientThreads);
            java.util.List<PeerRpcRun.Result> both = PeerRpcRun.interleaved(options, echo, rounds, System.err);
            System.out.println(result(line.put("rounds", rounds), both.get(0)));
            System.out.println(result(new JsonLine().put("bench", "peer-rpc").put("peer", echoPeer).put("mode", echoMode)
                    .put("callers", callers).put("rounds", rounds), both.get(1)));
            return both.get(0).errors() + both.get(1).errors() == 0 ? 0 : 1;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            System.err.println("peer-rpc: " + peer + ": run failed: " + e.getMessage());
            System.out.println(line.put("failed", String.valueOf(e.getMessage())));
            return 3;
        }
    }

    private static JsonLine result(JsonLine line, PeerRpcRun.Result r) {
        return line.put("round_trips", r.roundTrips()).put("rps", r.roundTripsPerSecond()).put("p50_ms", r.p50Millis())
                .put("p99_ms", r.p99Millis()).put("max_ms", r.maxMillis()).put("errors", r.errors());
    }
}
