package dev.ferry.bench.peers;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ferry-bench peer-idle}: K idle connections to one peer, each subscribed to one topic; the server
 * process's resident memory per connection (against its RSS before the connections), the JVM heap per connection
 * after a full GC (JVM servers), and the server's CPU while the connections sit idle with heartbeats on. Prints
 * one JSON line ({@code "bench":"peer-idle"}). Exit status 0 when every connection stayed open, 1 otherwise, 3
 * when the run could not be set up.
 */
@Command(name = "peer-idle", mixinStandardHelpOptions = true,
        description = {"K idle subscribed connections to a peer: server RSS and JVM heap per connection, CPU while idle.",
                "Progress on stderr; one JSON line on stdout."})
public final class PeerIdleCommand implements Callable<Integer> {
    @Mixin
    PeerConnections target = new PeerConnections();

    @Option(names = "--pid", required = true, description = "The server's process id (memory and CPU are read from /proc).")
    long pid;

    @Option(names = "--jvm", description = "The server is a JVM: run a full GC (jcmd GC.run) before reading memory, and report heap in use.")
    boolean jvm;

    @Option(names = "--connections", defaultValue = "10000", description = "Idle connections (default ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--settle", defaultValue = "5", description = "Seconds to wait after the last connection before reading memory (default ${DEFAULT-VALUE}).")
    double settle;

    @Option(names = "--window", defaultValue = "15", description = "Seconds over which idle CPU is measured (default ${DEFAULT-VALUE}).")
    double window;

    @Option(names = "--topic", defaultValue = "bench.idle", description = "Topic every connection subscribes to (default ${DEFAULT-VALUE}).")
    String topic;

    @Override
    public Integer call() {
        PeerCodec c;
        try {
            c = PeerCodecs.byName(target.codec);
        } catch (IllegalArgumentException e) {
            System.err.println("peer-idle: " + e.getMessage());
            return 2;
        }
        ServerProcess server = new ServerProcess(pid);
        LongAdder closes = new LongAdder();
        Map<Integer, LongAdder> closeCodes = new ConcurrentHashMap<>();
        LongAdder errors = new LongAdder();
        PeerHandler.Listener listener = new PeerHandler.Listener() {
            @Override
            public void delivery(PeerHandler connection, long t, long now) {
            }

            @Override
            public void error(PeerHandler connection, String what) {
                errors.increment();
            }

            @Override
            public void closed(PeerHandler connection, int code) {
                closes.increment();
                closeCodes.computeIfAbsent(code, k -> new LongAdder()).increment();
            }
        };
        JsonLine line = new JsonLine().put("bench", "peer-idle").put("peer", target.peer).put("codec", target.codec)
                .put("connections", connections);
        try (PeerClients clients = new PeerClients(c, target.url, target.clientThreads)) {
            if (jvm) {
                server.fullGc();
            }
            long heapBefore = jvm ? server.heapUsedBytes() : 0;
            long rssBefore = server.rssBytes();
            int sources = PeerClients.sources(target.sourceAddresses, connections);
            long start = System.nanoTime();
            String peerTopic = c.topic(topic);
            clients.connect(connections, i -> peerTopic, listener, target.connectConcurrency, sources, System.err);
            double connectSeconds = (System.nanoTime() - start) / 1e9;
            System.err.printf("%s: %d idle connections subscribed in %.1f s; settling %.0f s%n", target.peer, connections,
                    connectSeconds, settle);
            Thread.sleep((long) (settle * 1000));
            if (jvm) {
                server.fullGc();
                Thread.sleep(500);
            }
            long rssAfter = server.rssBytes();
            long heapAfter = jvm ? server.heapUsedBytes() : 0;
            long ticks0 = server.cpuTicks();
            long w0 = System.nanoTime();
            Thread.sleep((long) (window * 1000));
            long ticks1 = server.cpuTicks();
            double seconds = (System.nanoTime() - w0) / 1e9;
            double cpuPercent = 100.0 * (ticks1 - ticks0) / ServerProcess.TICKS_PER_SECOND / seconds;
            int open = clients.open();
            line.put("connect_s", connectSeconds).put("rss_before_kb", rssBefore / 1024).put("rss_after_kb", rssAfter / 1024)
                    .put("rss_per_conn_bytes", (double) (rssAfter - rssBefore) / connections);
            if (jvm) {
                line.put("heap_before_kb", heapBefore / 1024).put("heap_after_kb", heapAfter / 1024)
                        .put("heap_per_conn_bytes", (double) (heapAfter - heapBefore) / connections);
            }
            line.put("cpu_percent", cpuPercent).put("window_s", seconds).put("open_at_end", open)
                    .put("closes", closes.sum()).put("close_codes", new TreeMap<>(closeCodes).toString())
                    .put("errors", errors.sum());
            System.err.printf("%s: RSS %d -> %d KiB (%.0f B/connection), %s CPU %.2f%% over %.0f s, %d open%n", target.peer,
                    rssBefore / 1024, rssAfter / 1024, (double) (rssAfter - rssBefore) / connections,
                    jvm ? String.format("heap %d -> %d KiB (%.0f B/connection),", heapBefore / 1024, heapAfter / 1024,
                            (double) (heapAfter - heapBefore) / connections) : "", cpuPercent, seconds, open);
            System.out.println(line);
            return open == connections && closes.sum() == 0 ? 0 : 1;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            System.err.println("peer-idle: " + target.peer + ": run failed: " + e.getMessage());
            System.out.println(line.put("failed", String.valueOf(e.getMessage())));
            return 3;
        }
    }
}
