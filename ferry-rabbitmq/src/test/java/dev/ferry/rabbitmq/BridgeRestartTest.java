package dev.ferry.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.config.ReloadResult;
import dev.ferry.server.extension.Extensions;
import dev.ferry.server.testing.Requirements;
import dev.ferry.server.testing.WsTestClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload restarts only the RabbitMQ bridges whose settings changed (docs/operations.md, "Reloading the
 * configuration"): with two bridges, changing and then removing one, the other keeps its consumer, its start
 * time and the connection, and every message sent through it meanwhile arrives, in order, once. RabbitMQ on
 * 127.0.0.1:5672.
 */
class BridgeRestartTest {
    private static final String RUN = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
    private static final String EX_A = "ferry-test-restart-a-" + RUN;
    private static final String EX_B = "ferry-test-restart-b-" + RUN;
    private static final String OPS = "ops-key-0123456789abcdef";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    static String yaml(String bridgeA) {
        return "http:\n  api-keys:\n    ops:\n      key: " + OPS + "\n      allow: [\"admin #\", \"all #\"]\n"
                + "rabbitmq:\n  node-id: ferry-test-" + RUN + "\n  reconnect-delay: 100ms\n  bridges:\n"
                + bridgeA
                + "    b:\n      exchange: " + EX_B + "\n      direction: in\n      topic-prefix: b\n"
                + "      patterns: [\"#\"]\n      bind: fixed\n";
    }

    static String bridgeA(String pattern) {
        return "    a:\n      exchange: " + EX_A + "\n      direction: in\n      topic-prefix: a\n"
                + "      patterns: [\"" + pattern + "\"]\n      bind: fixed\n";
    }

    /** GET /v1/admin/bridges by bridge name, once {@code ready} holds for it. */
    static Map<String, JsonNode> bridges(FerryServer server) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                server.httpUri().resolve("/v1/admin/bridges")).header("Authorization", "Bearer " + OPS).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Map<String, JsonNode> out = new HashMap<>();
        JSON.readTree(r.body()).path("bridges").forEach(b -> out.put(b.path("name").asText(), b));
        return out;
    }

    static boolean allConnected(FerryServer server, int n) {
        try {
            Map<String, JsonNode> all = bridges(server);
            return all.size() == n && all.values().stream().allMatch(b -> b.path("state").asText().equals("connected"));
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void anUnchangedBridgeKeepsItsConsumerWhileAnotherIsChangedAndRemoved() throws Exception {
        Requirements.require(Broker.reachable(), "RabbitMQ on 127.0.0.1:5672");
        Path file = dir.resolve("ferry.yaml");
        Files.writeString(file, yaml(bridgeA("#")));
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
            setup.exchangeDeclare(EX_A, "topic", false, false, null); // kept while no queue is bound
            setup.exchangeDeclare(EX_B, "topic", false, false, null);
            server.start();
            Broker.await("both bridges connected", () -> allConnected(server, 2));
            Map<String, JsonNode> before = bridges(server);

            try (WsTestClient ws = WsTestClient.connect(server.webSocketUri(), Map.of("Authorization", "Bearer " + OPS))) {
                ws.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"b.#\"}");
                assertThat(ws.nextJson().path("type").asText()).isEqualTo("result");
                ws.send("{\"type\":\"sub\",\"id\":2,\"topic\":\"a.#\"}");
                assertThat(ws.nextJson().path("type").asText()).isEqualTo("result");

                // messages through bridge b, one every 10 ms, for the whole of both reloads
                AtomicBoolean stop = new AtomicBoolean();
                AtomicInteger sent = new AtomicInteger();
                CountDownLatch flowing = new CountDownLatch(5);
                Thread publisher = new Thread(() -> {
                    try (Channel ch = amqp.createChannel()) {
                        AMQP.BasicProperties json = new AMQP.BasicProperties.Builder().contentType("application/json").build();
                        while (!stop.get()) {
                            ch.basicPublish(EX_B, "tick", json, Integer.toString(sent.incrementAndGet())
                                    .getBytes(StandardCharsets.UTF_8));
                            flowing.countDown();
                            Thread.sleep(10); // pacing of the load, not a wait for a result
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, "bridge-b-publisher");
                publisher.start();
                assertThat(flowing.await(20, TimeUnit.SECONDS)).isTrue();

                Files.writeString(file, yaml(bridgeA("changed.#")));
                ReloadResult changed = server.reload();
                assertThat(changed.result()).as(changed.describe()).isEqualTo(ReloadResult.Result.APPLIED);
                assertThat(changed.changed()).containsExactly("rabbitmq.*");
                Broker.await("bridge a set up again", () -> allConnected(server, 2));
                Map<String, JsonNode> afterChange = bridges(server);
                setup.basicPublish(EX_A, "changed.x", new AMQP.BasicProperties.Builder().contentType("application/json")
                        .build(), "\"via a\"".getBytes(StandardCharsets.UTF_8));

                Files.writeString(file, yaml(""));
                ReloadResult removed = server.reload();
                assertThat(removed.result()).as(removed.describe()).isEqualTo(ReloadResult.Result.APPLIED);
                Map<String, JsonNode> afterRemoval = bridges(server);
                stop.set(true);
                publisher.join(20_000);

                // every tick through b, in order, once; and a's message through its new pattern
                List<Integer> ticks = new ArrayList<>();
                boolean viaA = false;
                while (ticks.size() < sent.get() || !viaA) {
                    JsonNode m = ws.nextJson(n -> n.path("type").asText().equals("msg"));
                    if (m.path("topic").asText().equals("b.tick")) {
                        ticks.add(m.path("data").asInt());
                    } else {
                        assertThat(m.path("topic").asText()).isEqualTo("a.changed.x");
                        viaA = true;
                    }
                }
                List<Integer> expected = new ArrayList<>();
                for (int i = 1; i <= sent.get(); i++) {
                    expected.add(i);
                }
                assertThat(ticks).as("no gap, no repeat").isEqualTo(expected);

                JsonNode b0 = before.get("b");
                for (Map<String, JsonNode> later : List.of(afterChange, afterRemoval)) {
                    JsonNode b = later.get("b");
                    assertThat(b.path("state").asText()).isEqualTo("connected");
                    assertThat(b.path("startedAt")).as("b kept its start").isEqualTo(b0.path("startedAt"));
                    assertThat(b.path("connectedAt")).as("and the connection").isEqualTo(b0.path("connectedAt"));
                    assertThat(b.path("connects").asInt()).isEqualTo(1);
                }
                assertThat(afterChange.get("a").path("patterns").toString()).isEqualTo("[\"changed.#\"]");
                assertThat(afterChange.get("a").path("startedAt").asText())
                        .as("a restarted").isNotEqualTo(before.get("a").path("startedAt").asText());
                assertThat(afterRemoval).containsOnlyKeys("b");
            } finally {
                setup.exchangeDelete(EX_A);
                setup.exchangeDelete(EX_B);
            }
        }
    }
}
