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
                    send(direct, 16); // warm up both paths
                    send(viaTunnel, 16);
                    double bestDirect = 0;
                    double bestTunnel = 0;
                    for (int i = 0; i < runs; i++) {
                        bestDirect = Math.max(bestDirect, send(direct, megabytes));
                        bestTunnel = Math.max(bestTunnel, send(viaTunnel, megabytes));
                    }
                    System.out.printf("direct TCP          %8.1f MiB/s%n", bestDirect);
                    System.out.printf("through the tunnel  %8.1f MiB/s  (%.2fx of direct)%n", bestTunnel, bestTunnel / bestDirect);
                    System.out.printf("{\"bench\":\"tunnel\",\"megabytes\":%d,\"runs\":%d,\"direct_mib_s\":%.1f,\"tunnel_mib_s\":%.1f}%n",
                            megabytes, runs, bestDirect, bestTunnel);
                }
            }
        }
        return 0;
    }

    /** MiB/s of writing {@code mib} MiB on a new connection to {@code target} until the sink has read them all. */
    private static double send(InetSocketAddress target, int mib) throws Exception {
        byte[] chunk = new byte[64 * 1024];
        long total = (long) mib << 20;
        try (Socket s = new Socket(target.getAddress(), target.getPort())) {
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            long t0 = System.nanoTime();
            for (long sent = 0; sent < total; sent += chunk.length) {
                out.write(chunk);
            }
            out.flush();
            s.shutdownOutput();
            if (in.read() != -1) { // the sink closes once it has read everything: the end of the run
                throw new IllegalStateException("unexpected data from the sink");
            }
            return (total / (double) (1 << 20)) / ((System.nanoTime() - t0) / 1e9);
        }
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
