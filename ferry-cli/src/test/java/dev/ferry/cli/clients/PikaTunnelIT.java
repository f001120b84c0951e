package dev.ferry.cli.clients;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.testing.JarProcess;
import dev.ferry.cli.testing.Python;
import dev.ferry.server.testing.NodeProcess;
import dev.ferry.server.testing.Requirements;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/amqp.md's AMQP 0-9-1 example as a user runs it: {@code ferry serve} with a tunnel route to RabbitMQ on
 * 127.0.0.1:5672, {@code ferry tunnel} listening locally, and Debian's {@code python3-pika} publishing and
 * consuming through that listener ({@code src/test/python/pika_through_tunnel.py}: 200 small messages and one of
 * 1 MiB, with publisher confirms and acknowledgements). RabbitMQ's {@code guest} user works here because Ferry
 * reaches the broker from loopback. Needs RabbitMQ and {@code python3-pika}; skips without them (fails under
 * {@code CI=true}).
 */
class PikaTunnelIT {
    private static final Duration START = Duration.ofSeconds(60);

    @Test
    void pikaPublishesAndConsumesThroughFerryTunnel() throws Exception {
        Requirements.require(reachable(5672), "RabbitMQ on 127.0.0.1:5672 (apt-get install rabbitmq-server)");
        String python = Python.withModules("pika").orElse(null);
        Requirements.require(python != null, "a python3 with pika (apt-get install python3-pika)");
        Path script = Path.of(System.getProperty("basedir", "."), "src", "test", "python", "pika_through_tunnel.py")
                .toAbsolutePath().normalize();
        assertThat(script).isRegularFile();

        try (JarProcess serve = JarProcess.serve(List.of("tunnel.routes.rabbit.upstream=127.0.0.1:5672"))) {
            String ws = serve.httpUrl(START).replaceFirst("^http", "ws") + "/v1/tunnel/rabbit";
            try (JarProcess tunnel = JarProcess.start("tunnel", List.of("tunnel", "--listen", "127.0.0.1:0", "--to", ws))) {
                int port = Integer.parseInt(tunnel.await(Pattern.compile("ferry tunnel: 127\\.0\\.0\\.1:(\\d+) "), START).group(1));
                NodeProcess.Result r = NodeProcess.run(script.getParent(), List.of(python, script.toString(), Integer.toString(port)),
                        Map.of(), 180);
                String context = r.transcript() + "\n" + tunnel.log() + "\n" + serve.log();
                assertThat(r.timedOut()).as(context).isFalse();
                assertThat(r.exitCode()).as(context).isZero();
                assertThat(r.transcript()).as(context)
                        .contains("\"published\": 201, \"consumed\": 201, \"largest\": 1048576", "\"broker\": \"RabbitMQ\"");
            }
        }
    }

    private static boolean reachable(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
