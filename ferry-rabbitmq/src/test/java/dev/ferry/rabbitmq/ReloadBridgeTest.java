package dev.ferry.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.config.ReloadResult;
import dev.ferry.server.extension.Extensions;
import dev.ferry.server.extension.FerryExtension;
import dev.ferry.server.testing.Requirements;
import dev.ferry.server.testing.WsTestClient;
import dev.ferry.server.tunnel.TcpPeer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A configuration reload that adds a tunnel route and a RabbitMQ bridge to a running server, both working
 * afterwards, then removes the bridge (docs/operations.md, "Reloading the configuration"); RabbitMQ on
 * 127.0.0.1:5672.
 */
class ReloadBridgeTest {
    private static final String RUN = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
    private static final String EXCHANGE = "ferry-test-reload-" + RUN;

    @TempDir
    Path dir;

    @Test
    void aReloadAddsATunnelRouteAndABridgeThenRemovesTheBridge() throws Exception {
        Requirements.require(Broker.reachable(), "RabbitMQ on 127.0.0.1:5672");
        Path file = dir.resolve("ferry.yaml");
        Files.writeString(file, "history:\n  size: 10\n");
        Extensions extensions = Extensions.of(List.of(new RabbitExtensionProvider()));
        AtomicReference<List<FerryExtension>> made = new AtomicReference<>(List.of());
        ConfigLoader first = extensions.loader().yaml(file);
        try (TcpPeer echo = TcpPeer.echo();
             Connection amqp = Broker.connect();
             FerryServer server = FerryServer.builder().config(first.load()).host("127.0.0.1").port(0)
                     .configSource(() -> {
                         ConfigLoader again = extensions.loader().yaml(file);
                         made.set(extensions.create(again));
                         return new FerryServer.ConfigSource.Loaded(again.load(), made.get());
                     }).build()) {
            server.start();
            URI tunnel = URI.create("ws://127.0.0.1:" + server.port() + "/v1/tunnel/echo");
            assertThat(WsTestClient.refused(tunnel, Map.of()).status()).as("no such route yet").isEqualTo(404);
            Channel channel = amqp.createChannel();
            channel.exchangeDeclare(EXCHANGE, "topic", false, true, null);

            Files.writeString(file, "history:\n  size: 10\n"
                    + "tunnel:\n  routes:\n    echo:\n      upstream: 127.0.0.1:" + echo.port() + "\n"
                    + "rabbitmq:\n  node-id: ferry-test-" + RUN + "\n  reconnect-delay: 100ms\n"
                    + "  bridges:\n    obs:\n      exchange: " + EXCHANGE + "\n      direction: in\n"
                    + "      topic-prefix: obs\n      patterns: [\"#\"]\n      bind: fixed\n");
            ReloadResult added = server.reload();
            assertThat(added.result()).as(added.describe()).isEqualTo(ReloadResult.Result.APPLIED);
            assertThat(added.changed()).contains("amqp.routes.<name> / tunnel.routes.<name>", "rabbitmq.*");
            RabbitBridge bridge = (RabbitBridge) made.get().get(0);
            Broker.await("the new bridge to connect", bridge::isConnected);

            try (WsTestClient c = WsTestClient.connect(tunnel)) {
                c.sendBinary("over the new route".getBytes(StandardCharsets.UTF_8));
                assertThat(new String(c.next().binary(), StandardCharsets.UTF_8)).isEqualTo("over the new route");
            }
            try (WsTestClient ws = WsTestClient.connect(server.webSocketUri())) {
                ws.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"obs.#\"}");
                assertThat(ws.nextJson().path("type").asText()).isEqualTo("result");
                channel.basicPublish(EXCHANGE, "weather.oslo", new AMQP.BasicProperties.Builder()
                        .contentType("application/json").build(), "{\"c\":3}".getBytes(StandardCharsets.UTF_8));
                JsonNode msg = ws.nextJson();
                assertThat(msg.path("topic").asText()).isEqualTo("obs.weather.oslo");
                assertThat(msg.path("data").path("c").asInt()).isEqualTo(3);
            }

            assertThat(server.reload().changed()).as("the same file again changes nothing").isEmpty();
            assertThat(bridge.isConnected()).as("an unchanged bridge keeps running").isTrue();

            Files.writeString(file, "history:\n  size: 10\n"
                    + "tunnel:\n  routes:\n    echo:\n      upstream: 127.0.0.1:" + echo.port() + "\n");
            ReloadResult removed = server.reload();
            assertThat(removed.changed()).containsExactly("rabbitmq.*");
            assertThat(bridge.isConnected()).as("a bridge no longer configured is closed").isFalse();
            channel.exchangeDelete(EXCHANGE);
        }
    }
}
