package dev.ferry.bench.idle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.FerryServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** The idle and rpc tools against an embedded server and an in-process echo: correctness only, never speed. */
class IdleToolsTest {
    @Test
    @Timeout(120)
    void idleConnectionsSubscribeAndAreMeasuredInThisProcess() throws Exception {
        try (FerryServer server = FerryServer.builder().host("127.0.0.1").port(0).build()) {
            server.start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ServerProbe self = new ServerProbe(ProcessHandle.current().pid());
            long closed = new IdleRun(server.webSocketUri(), 40, "bench.idle.test", 2, 8, 1, 0, self, true, 5, false,
                    new PrintStream(out, true, StandardCharsets.UTF_8)).run();

            assertThat(closed).isZero();
            String report = out.toString(StandardCharsets.UTF_8);
            assertThat(report).contains("40 connections subscribed to bench.idle.test", "server RSS",
                    "server heap after GC", "live heap growth by class", "\"connections\":40", "\"closedByServer\":0");
        }
    }

    @Test
    void histogramGrowthIsSortedByBytes() {
        Map<String, long[]> before = Map.of("a", new long[] {1, 100}, "b", new long[] {1, 10});
        Map<String, long[]> after = Map.of("a", new long[] {2, 150}, "b", new long[] {11, 1010}, "c", new long[] {1, 16});
        List<Object[]> top = ServerProbe.growth(before, after, 2);
        assertThat(top).hasSize(2);
        assertThat(top.get(0)).containsExactly("b", 10L, 1000L);
        assertThat(top.get(1)).containsExactly("a", 1L, 50L);
    }

    @Test
    @Timeout(120)
    void callsThroughFerryAndEchoesAreTimed() throws Exception {
        try (FerryServer server = FerryServer.builder().host("127.0.0.1").port(0).build();
             EchoServer echo = new EchoServer(0, 1)) {
            server.start();
            URI echoUrl = URI.create("ws://127.0.0.1:" + echo.port() + "/echo");
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            PrintStream stdout = System.out;
            int exit;
            try {
                System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
                exit = new CommandLine(new RpcCommand()).execute("--url", server.webSocketUri().toString(),
                        "--echo-url", echoUrl.toString(), "--callers", "2", "--duration", "1", "--warmup", "0", "--rounds", "3");
            } finally {
                System.setOut(stdout);
            }
            String report = bytes.toString(StandardCharsets.UTF_8);
            assertThat(exit).as(report).isZero();
            assertThat(report).contains("ferry / echo: p50", "\"callers\":2", "\"rounds\":3", "\"errors\":0");
            // the sides took turns: three slices each, every one with round trips in it
            assertThat(report.lines().filter(l -> l.startsWith("p50 per round")))
                    .hasSize(2).allSatisfy(l -> assertThat(l.substring(l.indexOf('[')).split(",")).hasSize(3)
                            .noneMatch(v -> v.replaceAll("[\\[\\] ]", "").equals("0")));
            assertThat(report).doesNotContain("\"ferryPerSecond\":0,", "\"echoPerSecond\":0,");
        }
    }
}
