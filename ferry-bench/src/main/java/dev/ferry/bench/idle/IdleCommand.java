package dev.ferry.bench.idle;

import dev.ferry.bench.fanout.Loopback;
import java.net.URI;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry-bench idle}: memory per idle ferry.v1 connection of a server in another process. Exit status 0
 * when every connection subscribed and stayed open, 1 when the server closed some during the hold, 2 on bad
 * usage, 3 when the run could not be set up.
 */
@Command(name = "idle", mixinStandardHelpOptions = true,
        description = {"Opens K idle ferry.v1 connections, each subscribed to one topic, holds them, and reports "
                + "the server's RSS and heap growth per connection (from /proc/<pid>/status and jcmd).",
                "Prints a report, then one line of JSON."})
public final class IdleCommand implements Callable<Integer> {
    @Option(names = "--url", required = true, description = "ferry.v1 endpoint on a loopback address, e.g. ws://127.0.0.1:8080/v1/ws.")
    private URI url;

    @Option(names = "--pid", defaultValue = "0", description = "The server's process id; without it nothing is measured, only connected.")
    private long pid;

    @Option(names = "--connections", defaultValue = "10000", description = "Idle connections K (default ${DEFAULT-VALUE}).")
    private int connections;

    @Option(names = "--topic", defaultValue = "bench.idle", description = "Topic every connection subscribes to (default ${DEFAULT-VALUE}).")
    private String topic;

    @Option(names = "--gc", description = "Ask the server for a full GC (jcmd GC.run) before each reading, and report heap after GC.")
    private boolean gc;

    @Option(names = "--histogram", defaultValue = "0", description = "Print the N classes whose live bytes grew most, per connection (jcmd GC.class_histogram).")
    private int histogram;

    @Option(names = "--native-memory", description = "Print the server's native memory growth by JVM category (jcmd VM.native_memory summary.diff; "
            + "the server must run with -XX:NativeMemoryTracking=summary).")
    private boolean nativeMemory;

    @Option(names = "--hold", defaultValue = "10", description = "Seconds to hold the connections idle before reading (default ${DEFAULT-VALUE}); the server's CPU is measured over it.")
    private int hold;

    @Option(names = "--connect-concurrency", defaultValue = "200", description = "Connections set up at once (default ${DEFAULT-VALUE}).")
    private int connectConcurrency;

    @Option(names = "--source-addresses", defaultValue = "0", description = "Spread connections over 127.0.0.1..127.0.0.N (default 0: one address per 16000 connections).")
    private int sourceAddresses;

    @Option(names = "--client-threads", defaultValue = "0", description = "Client event-loop threads (default 0: one per core).")
    private int clientThreads;

    @Override
    public Integer call() {
        ServerProbe probe;
        int sources;
        try {
            Loopback.checkUrl(url);
            if (connections < 1 || hold < 0 || connectConcurrency < 1 || histogram < 0) {
                throw new IllegalArgumentException("connections, connect-concurrency: > 0; hold, histogram: >= 0");
            }
            sources = sourceAddresses > 0 ? sourceAddresses : Math.max(1, (connections + 15_999) / 16_000);
            if (sources > Loopback.MAX_SOURCE_ADDRESSES) {
                throw new IllegalArgumentException("source-addresses: " + sources + " (expected: <= " + Loopback.MAX_SOURCE_ADDRESSES + ")");
            }
            probe = pid > 0 ? new ServerProbe(pid) : null;
        } catch (IllegalArgumentException e) {
            System.err.println("idle: " + e.getMessage());
            return 2;
        }
        try {
            long closed = new IdleRun(url, connections, topic, sources, connectConcurrency, clientThreads, hold, probe,
                    gc, histogram, nativeMemory, System.out).run();
            return closed == 0 ? 0 : 1;
        } catch (Exception e) {
            System.err.println("idle: " + e);
            return 3;
        }
    }
}
