package dev.ferry.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.EventsConfig;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.testing.Requirements;
import dev.ferry.server.testing.WsTestClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge's inbound side passes the server's event classes (docs/events.md): a message from RabbitMQ whose
 * body the class's schema rejects is rejected (not requeued, counted) and never reaches a subscriber.
 */
class RabbitBridgeEventsTest {
    private static final String RUN = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
    private static final String EX = "ferry-test-events-" + RUN;

    @TempDir
    static Path dir;

    private static Connection amqp;
    private static Channel channel;
    private static RabbitBridge bridge;
    private static FerryServer server;

    @BeforeAll
    static void start() throws Exception {
        Requirements.require(Broker.reachable(), "RabbitMQ on 127.0.0.1:5672");
        amqp = Broker.connect();
        channel = amqp.createChannel();
        channel.exchangeDeclare(EX, "topic", false, false, null);
        Path schema = Files.writeString(dir.resolve("reading.json"), """
                {"type": "object", "required": ["celsius"], "properties": {"celsius": {"type": "number"}}}
                """);
        bridge = new RabbitBridge(RabbitConfig.parse(Map.of(
                "rabbitmq.uri", "amqp://guest:guest@127.0.0.1:5672/%2F",
                "rabbitmq.node-id", "ferry-test-events-node-" + RUN,
                "rabbitmq.reconnect-delay", "100ms",
                "rabbitmq.bridges.sensors.exchange", EX,
                "rabbitmq.bridges.sensors.direction", "in",
                "rabbitmq.bridges.sensors.topic-prefix", "sensors",
                "rabbitmq.bridges.sensors.patterns", "#")));
        FerryConfig config = FerryConfig.DEFAULT.withEvents(new EventsConfig(List.of(
                new EventsConfig.EventClass("reading", "sensors.*", schema, "", List.of(), null))));
        server = FerryServer.builder().config(config).host("127.0.0.1").port(0).extension(bridge).build();
        server.start();
        Broker.await("the bridge to connect", bridge::isConnected);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (channel != null) {
            channel.exchangeDelete(EX);
        }
        if (amqp != null) {
            amqp.close();
        }
    }

    @Test
    void aMessageTheSchemaRejectsIsRejectedAndNotDelivered() throws Exception {
        try (WsTestClient ws = WsTestClient.connect(server.webSocketUri())) {
            ws.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"sensors.*\"}");
            assertThat(ws.nextJson().path("type").asText()).isEqualTo("result");
            Broker.await("binding *", () -> Broker.bindings(EX, bridge.queueName("sensors")).contains("*"));
            AMQP.BasicProperties json = new AMQP.BasicProperties.Builder().contentType("application/json").build();
            channel.basicPublish(EX, "t1", json, "{\"celsius\":\"warm\"}".getBytes(StandardCharsets.UTF_8));
            channel.basicPublish(EX, "t1", new AMQP.BasicProperties.Builder().contentType("application/octet-stream")
                    .build(), new byte[] {1, 2});
            channel.basicPublish(EX, "t1", json, "{\"celsius\":21.5}".getBytes(StandardCharsets.UTF_8));
            JsonNode msg = ws.nextJson();
            assertThat(msg.path("topic").asText()).isEqualTo("sensors.t1");
            assertThat(msg.path("offset").asLong()).isEqualTo(1);
            assertThat(msg.path("data").toString()).isEqualTo("{\"celsius\":21.5}");
        }
        assertThat(server.meterRegistry().get("ferry.rabbitmq.inbound.rejected").functionCounter().count()).isEqualTo(2);
    }
}
