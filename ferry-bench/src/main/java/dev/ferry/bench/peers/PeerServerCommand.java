package dev.ferry.bench.peers;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry-bench peer-server}: runs one in-process reference server until the process is stopped
 * (SIGTERM/SIGINT): {@code broadcast} (raw-Netty broadcast ceiling), {@code echo} (raw-Netty echo) or
 * {@code vertx} (Vert.x 5 SockJS event-bus bridge). Prints {@code listening ws://HOST:PORT} on stdout once bound.
 */
@Command(name = "peer-server", mixinStandardHelpOptions = true,
        description = "Runs a reference server for the peer runs: broadcast, echo or vertx.")
public final class PeerServerCommand implements Callable<Integer> {
    @Option(names = "--kind", required = true, description = "broadcast, echo or vertx.")
    String kind;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Loopback address to bind (default ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "0", description = "Port (default 0: any free one).")
    int port;

    @Option(names = "--threads", defaultValue = "0", description = "Event loops of the Netty servers (default 0: one per core).")
    int threads;

    @Override
    public Integer call() throws Exception {
        if (!host.startsWith("127.")) {
            System.err.println("peer-server: --host " + host + " (expected: a 127.0.0.x address)");
            return 2;
        }
        AutoCloseable server;
        int bound;
        switch (kind) {
            case "broadcast", "echo" -> {
                NettyReferenceServer s = NettyReferenceServer.start(kind.equals("broadcast")
                        ? NettyReferenceServer.Kind.BROADCAST : NettyReferenceServer.Kind.ECHO, host, port, threads);
                server = s;
                bound = s.port();
            }
            case "vertx" -> {
                VertxBridgeServer s = VertxBridgeServer.start(host, port);
                server = s;
                bound = s.port();
            }
            default -> {
                System.err.println("peer-server: --kind " + kind + " (expected: broadcast, echo or vertx)");
                return 2;
            }
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                System.err.println("peer-server: close: " + e);
            }
            stopped.countDown();
        }, "peer-server-stop"));
        System.out.println("listening ws://" + host + ":" + bound);
        System.out.flush();
        stopped.await();
        return 0;
    }
}
