package dev.ferry.redis;

import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.Requirements;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A Redis Cluster of three masters on 127.0.0.1, started from the {@code redis-server} and {@code redis-cli}
 * binaries for one test class (each node keeps nothing on disk but its cluster state file, in a temporary
 * directory), and stopped with it.
 */
final class LocalRedisCluster implements AutoCloseable {
    static final int NODES = 3;

    final List<Integer> ports = new ArrayList<>();
    private final List<Process> servers = new ArrayList<>();
    private final Path dir;

    LocalRedisCluster() throws IOException, InterruptedException {
        Requirements.require(onPath("redis-server") && onPath("redis-cli"), "the redis-server and redis-cli binaries (Debian package redis-server)");
        dir = Files.createTempDirectory("ferry-redis-cluster");
        try {
            for (int i = 0; i < NODES; i++) {
                int port = freePort();
                ports.add(port);
                servers.add(new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                        "--cluster-enabled", "yes", "--cluster-config-file", dir.resolve("nodes-" + port + ".conf").toString(),
                        "--save", "", "--appendonly", "no", "--dir", dir.toString())
                        .redirectErrorStream(true).redirectOutput(dir.resolve(port + ".log").toFile()).start());
            }
            for (int port : ports) {
                await(() -> cli(port, "ping").contains("PONG"), "node " + port + " answers");
            }
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            ports.forEach(p -> create.add("127.0.0.1:" + p));
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            Process p = new ProcessBuilder(create).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("redis-cli --cluster create failed: " + out);
            }
            for (int port : ports) {
                await(() -> cli(port, "cluster", "info").contains("cluster_state:ok"), "node " + port + " sees the cluster");
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The URI of this cluster for {@code redis.uri}. */
    String uri() {
        StringBuilder b = new StringBuilder("redis-cluster://");
        for (int i = 0; i < ports.size(); i++) {
            b.append(i == 0 ? "" : ",").append("127.0.0.1:").append(ports.get(i));
        }
        return b.toString();
    }

    private static boolean onPath(String binary) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, binary))) {
                return true;
            }
        }
        return false;
    }

    /** A port that is free, whose cluster bus port (+10000) is free too, below the ephemeral range. */
    private static int freePort() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(17_000, 22_000);
            if (free(port) && free(port + 10_000)) {
                return port;
            }
        }
        throw new IOException("no free port pair for a Redis Cluster node");
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String cli(int port, String... args) {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", String.valueOf(port)));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) {
        Await.until(what, Duration.ofSeconds(60), condition);
    }

    @Override
    public void close() {
        for (Process p : servers) {
            p.destroy();
        }
        for (Process p : servers) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }
}
