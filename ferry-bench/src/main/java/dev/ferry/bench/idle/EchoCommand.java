package dev.ferry.bench.idle;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry-bench echo-server}: the raw Netty WebSocket echo of the {@code rpc} run, in a process of its own. */
@Command(name = "echo-server", mixinStandardHelpOptions = true,
        description = "Serves ws://127.0.0.1:PORT/echo, writing every text message back, until killed.")
public final class EchoCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "0", description = "Port on 127.0.0.1 (default 0: any free one, printed).")
    private int port;

    @Option(names = "--threads", defaultValue = "0", description = "Event-loop threads (default 0: one per core, as ferry serve).")
    private int threads;

    @Override
    public Integer call() throws Exception {
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        try (EchoServer server = new EchoServer(port, n)) {
            System.out.println("echo server on ws://127.0.0.1:" + server.port() + "/echo (" + n + " threads)");
            System.out.flush();
            new CountDownLatch(1).await();
        }
        return 0;
    }
}
