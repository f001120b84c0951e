package dev.ferry.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.extension.Extensions;
import dev.ferry.server.testing.NodeProcess;
import dev.ferry.server.testing.NodeScript;
import dev.ferry.server.testing.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin console in headless Chromium (ferry-server's {@code src/test/node/admin-console.js}) against a server
 * started from a configuration file with a RabbitMQ bridge: the bridges view shows the bridge connected; the file
 * then gains a second bridge, the page's Reload configuration button applies it, and the view shows both. Needs
 * RabbitMQ on 127.0.0.1:5672, {@code node} with ferry-server's test node project, and Chromium, as
 * {@code AdminConsoleBrowserTest} does.
 */
class AdminConsoleBridgesBrowserTest {
    private static final String RUN = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
    private static final String EXCHANGE = "ferry-test-console-" + RUN;
    private static final String KEY = "console-admin-key-0123456789abcdef";

    @TempDir
    Path dir;

    static String yaml(String moreBridges) {
        return "http:\n  api-keys:\n    console:\n      key: " + KEY + "\n      allow: [\"admin #\", \"all #\"]\n"
                + "tunnel:\n  routes:\n    echo:\n      upstream: 127.0.0.1:9\n"
                + "rabbitmq:\n  node-id: ferry-test-" + RUN + "\n  reconnect-delay: 100ms\n  bridges:\n"
                + "    orders:\n      exchange: " + EXCHANGE + "\n      direction: both\n      topic-prefix: shop\n"
                + "      patterns: [\"order.#\"]\n"
                + moreBridges;
    }

    @Test
    void theConsoleShowsTheBridgesAndReloadsTheConfiguration() throws Exception {
        Requirements.require(Broker.reachable(), "RabbitMQ on 127.0.0.1:5672");
        NodeScript.requireProject("ws", "playwright-core");
        String chromium = System.getenv().getOrDefault("FERRY_CHROMIUM", "/usr/bin/chromium");
        Requirements.require(Files.isExecutable(Path.of(chromium)),
                "Chromium at " + chromium + " (apt-get install chromium, or set FERRY_CHROMIUM)");
        Path file = dir.resolve("ferry.yaml");
        Files.writeString(file, yaml(""));
        Extensions extensions = Extensions.of(List.of(new RabbitExtensionProvider()));
        ConfigLoader first = extensions.loader().yaml(file);
        try (Connection amqp = Broker.connect();
             FerryServer server = FerryServer.builder().config(first.load()).extension(extensions.create(first).get(0))
                     .host("127.0.0.1").port(0)
                     .configSource(() -> {
                         ConfigLoader again = extensions.loader().yaml(file);
                         return new FerryServer.ConfigSource.Loaded(again.load(), extensions.create(again));
                     }).build()) {
            Channel setup = amqp.createChannel();
            setup.exchangeDeclare(EXCHANGE, "topic", false, false, null);
            try {
                server.start();
                // what the page's reload will apply: a second bridge
                Files.writeString(file, yaml("    audit:\n      exchange: " + EXCHANGE + "\n      direction: in\n"
                        + "      topic-prefix: audit\n      patterns: [\"audit.#\"]\n      bind: fixed\n"));
                NodeProcess.Result r = NodeScript.run("admin-console.js", 180, Map.of(
                                "FERRY_BRIDGE", "orders", "FERRY_BRIDGE_AFTER", "audit",
                                "FERRY_EXPECT_RELOAD", "^Applied: version 2 in force; changed: rabbitmq\\.\\*"),
                        server.webSocketUri().toString(), server.httpUri().toString(), KEY);
                assertThat(r.timedOut()).as("admin-console.js was killed%n%s", r.transcript()).isFalse();
                assertThat(r.exitCode()).as("exit code of admin-console.js%n%s", r.transcript()).isZero();
            } finally {
                setup.exchangeDelete(EXCHANGE);
            }
        }
    }
}
