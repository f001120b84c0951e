package dev.ferry.bench;

import dev.ferry.server.FerryServer;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.TunnelRoute;
import dev.ferry.server.tunnel.client.TunnelClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Throughput of a TCP stream through {@code ferry tunnel} → Ferry's tunnel route → the upstream, against the same
 * stream straight to the upstream, in one run on loopback. The upstream reads and discards; the sender writes
 * {@code --megabytes} and waits until the upstream has counted every byte.
 */
@Command(name = "tunnel", mixinStandardHelpOptions = true,
        description = "Bytes/s of one TCP stream through ferry tunnel and a tunnel route vs straight to the upstream.")
final class TunnelCommand implements Callable<Integer> {
    @Option(names = "--megabytes", defaultValue = "200", description = "MiB sent per run (default ${DEFAULT-VALUE}).")
    private int megabytes;

    @Option(names = "--runs", defaultValue = "3", description = "Runs of each kind, alternating (default ${DEFAULT-VALUE}).")
    private int runs;

    @Option(names = "--cold-megabytes", defaultValue = "100",
            description = "MiB of the first stream through each path, before any warm-up (default ${DEFAULT-VALUE}; 0: none).")
    private int coldMegabytes;

    @Option(names = "--threads", description = "After each stream, the CPU time per MiB of each group of threads "
            + "(from /proc, Linux only): where the time goes, JIT compilers and GC included.")
    private boolean threads;

    @Override
    public Integer call() throws Exception {
        try (ServerSocket sink = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> discardAll(sink), "sink");
            acceptor.setDaemon(true);
            acceptor.start();
            FerryConfig config = FerryConfig.DEFAULT.withTunnel(FerryConfig.DEFAULT.tunnel().withRoutes(List.of(
                    TunnelRoute.of(TunnelRoute.Kind.TCP, "sink", "127.0.0.1", sink.getLocalPort()))));
            try (FerryServer ferry = FerryServer.builder().config(config).host("127.0.0.1").port(0).build()) {
                ferry.start();
                URI route = URI.create("ws://127.0.0.1:" + ferry.port() + "/v1/tunnel/sink");
                try (TunnelClient client = TunnelClient.builder(route).build()) {
                    InetSocketAddress viaTunnel = client.start();
                    InetSocketAddress direct = new InetSocketAddress(InetAddress.getLoopbackAddress(), sink.getLocalPort());
                    Run coldTunnel = null;
                    Run coldDirect = null;
                    if (coldMegabytes > 0) { // the tunnel first: nothing of its path has run yet
                        java.util.Map<String, Long> before = threadCpu();
                        coldTunnel = send(viaTunnel, coldMegabytes);
                        printThreads(before, coldMegabytes);
                        coldDirect = send(direct, coldMegabytes);
                        System.out.printf("cold, first %d MiB: direct %8.1f MiB/s %6.2f CPU ms/MiB; tunnel %8.1f MiB/s %6.2f CPU ms/MiB"
                                + "  (%.2fx of direct)%n", coldMegabytes, coldDirect.mibPerSecond, coldDirect.cpuMsPerMib,
                                coldTunnel.mibPerSecond, coldTunnel.cpuMsPerMib, coldTunnel.mibPerSecond / coldDirect.mibPerSecond);
                    }
                    send(direct, 16); // warm up both paths
                    send(viaTunnel, 16);
                    double[] ratios = new double[runs];
                    double bestDirect = 0;
                    double bestTunnel = 0;
                    for (int i = 0; i < runs; i++) {
                        Run d = send(direct, megabytes);
                        java.util.Map<String, Long> before = threadCpu();
                        Run t = send(viaTunnel, megabytes);
                        printThreads(before, megabytes);
                        ratios[i] = t.mibPerSecond / d.mibPerSecond;
                        bestDirect = Math.max(bestDirect, d.mibPerSecond);
                        bestTunnel = Math.max(bestTunnel, t.mibPerSecond);
                        System.out.printf("run %d: direct %8.1f MiB/s %6.2f CPU ms/MiB; tunnel %8.1f MiB/s %6.2f CPU ms/MiB  (%.2fx)%n",
                                i + 1, d.mibPerSecond, d.cpuMsPerMib, t.mibPerSecond, t.cpuMsPerMib, ratios[i]);
                    }
                    java.util.Arrays.sort(ratios);
                    System.out.printf("direct TCP          %8.1f MiB/s (best)%n", bestDirect);
                    System.out.printf("through the tunnel  %8.1f MiB/s (best)  ratio per run: median %.2fx, %.2f-%.2fx%n",
                            bestTunnel, ratios[runs / 2], ratios[0], ratios[runs - 1]);
                    System.out.printf("{\"bench\":\"tunnel\",\"megabytes\":%d,\"runs\":%d,\"direct_mib_s\":%.1f,\"tunnel_mib_s\":%.1f,"
                            + "\"median_ratio\":%.3f,\"cold_ratio\":%.3f}%n", megabytes, runs, bestDirect, bestTunnel, ratios[runs / 2],
                            coldTunnel == null ? Double.NaN : coldTunnel.mibPerSecond / coldDirect.mibPerSecond);
                }
            }
        }
        return 0;
    }

    /** One stream's throughput, and the CPU time the whole process (sender, Ferry, tunnel client, sink) spent per MiB. */
    private record Run(double mibPerSecond, double cpuMsPerMib) {
    }

    /** Writes {@code mib} MiB on a new connection to {@code target} until the sink has read them all. */
    private static Run send(InetSocketAddress target, int mib) throws Exception {
        byte[] chunk = new byte[64 * 1024];
        long total = (long) mib << 20;
        try (Socket s = new Socket(target.getAddress(), target.getPort())) {
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            long cpu0 = processCpuNanos();
            long t0 = System.nanoTime();
            for (long sent = 0; sent < total; sent += chunk.length) {
                out.write(chunk);
            }
            out.flush();
            s.shutdownOutput();
            if (in.read() != -1) { // the sink closes once it has read everything: the end of the run
                throw new IllegalStateException("unexpected data from the sink");
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            return new Run(mib / seconds, (processCpuNanos() - cpu0) / 1e6 / mib);
        }
    }

    private void printThreads(java.util.Map<String, Long> before, int mib) {
        if (!threads) {
            return;
        }
        java.util.Map<String, Long> after = threadCpu();
        StringBuilder line = new StringBuilder("  CPU ms/MiB by thread:");
        after.entrySet().stream()
                .map(e -> java.util.Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() > 0)
                .sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> line.append(String.format(" %s %.2f;", e.getKey(), e.getValue() * 10.0 / mib)));
        System.out.println(line);
    }

    /** CPU time in clock ticks (10 ms) of this process's threads, by name with digits dropped, from /proc. */
    private static java.util.Map<String, Long> threadCpu() {
        java.util.Map<String, Long> byName = new java.util.TreeMap<>();
        java.io.File[] tasks = new java.io.File("/proc/self/task").listFiles();
        if (tasks == null) {
            return byName;
        }
        for (java.io.File t : tasks) {
            try {
                String stat = java.nio.file.Files.readString(t.toPath().resolve("stat"));
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9#-]+", "");
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                byName.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
            } catch (java.io.IOException | RuntimeException e) {
                // the thread ended meanwhile
            }
        }
        return byName;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** Accepts connections and reads each to its end, then closes it. */
    private static void discardAll(ServerSocket server) {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> {
                    byte[] buf = new byte[256 * 1024];
                    try (s; InputStream in = s.getInputStream()) {
                        while (in.read(buf) >= 0) {
                            // discard
                        }
                    } catch (java.io.IOException e) {
                        // the sender went away
                    }
                }, "sink-reader");
                t.setDaemon(true);
                t.start();
            } catch (java.io.IOException e) {
                return;
            }
        }
    }
}
