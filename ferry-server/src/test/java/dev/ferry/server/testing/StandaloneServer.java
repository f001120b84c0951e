package dev.ferry.server.testing;

import dev.ferry.server.FerryServer;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.HistoryConfig;
import java.time.Duration;
import java.util.List;

/**
 * A server in a JVM of its own, for tests that need its own heap limit: started by {@link ServerProcess} with the
 * test class path. Argument: the history ttl in seconds. Prints {@code LISTENING <port>} once bound and stops when
 * its standard input ends (the test closed it, or died).
 */
public final class StandaloneServer {
    private StandaloneServer() {
    }

    public static void main(String[] args) throws Exception {
        HistoryConfig h = HistoryConfig.DEFAULT;
        FerryConfig config = FerryConfig.DEFAULT.withHistory(new HistoryConfig(h.size(),
                Duration.ofSeconds(Long.parseLong(args[0])), h.maxRecovery(), List.of()));
        FerryServer server = FerryServer.builder().config(config).host("127.0.0.1").port(0).build();
        System.out.println("LISTENING " + server.start());
        System.out.flush();
        while (System.in.read() >= 0) {
            // runs until the parent closes our input
        }
        server.close();
    }
}
