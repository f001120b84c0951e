package dev.ferry.server.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.ReloadResult;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.WsTestClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The backend hooks reload live (docs/operations.md, "Reloading the configuration"): a connected client's next
 * publication goes to the publish hook's new URL, a subscribe hook added by a reload decides its next subscription,
 * a removed hook no longer runs, and events out keeps the events it had queued while it takes new settings; the
 * client stays connected throughout.
 */
class HooksReloadTest {
    static final String KEY = "hooks-reload-key-0123456789abcdef";
    static final ObjectMapper JSON = new ObjectMapper();

    HttpServer backend;
    FerryServer server;
    /** Event batches the backend took: the request's {@code X-Env} header and its body. */
    final List<Map.Entry<String, JsonNode>> batches = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startBackend() throws IOException {
        backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        backend.createContext("/publish-a", x -> answer(x, "{\"data\":{\"via\":\"a\"}}"));
        backend.createContext("/publish-b", x -> answer(x, "{\"data\":{\"via\":\"b\"}}"));
        backend.createContext("/subscribe", x -> answer(x, "{\"refuse\":{\"code\":\"locked\",\"reason\":\"locked now\"}}"));
        backend.createContext("/events", x -> {
            batches.add(Map.entry(String.valueOf(x.getRequestHeaders().getFirst("X-Env")),
                    JSON.readTree(x.getRequestBody().readAllBytes())));
            answer(x, "{}");
        });
        backend.start();
    }

    private static void answer(com.sun.net.httpserver.HttpExchange x, String json) throws IOException {
        x.getRequestBody().readAllBytes();
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.sendResponseHeaders(200, body.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(body);
        }
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        backend.stop(0);
    }

    String url(String path) {
        return "http://127.0.0.1:" + backend.getAddress().getPort() + path;
    }

    ConfigLoader base() {
        return new ConfigLoader()
                .set("http.api-keys.app.key", KEY)
                .set("http.api-keys.app.allow", "all #");
    }

    /** The payload of the next publication {@code c} receives. */
    static String received(WsTestClient c) throws Exception {
        return c.nextJson(n -> n.path("type").asText().equals("msg")).path("data").toString();
    }

    static void publish(WsTestClient c, int id, String text) throws Exception {
        c.send("{\"type\":\"pub\",\"id\":" + id + ",\"topic\":\"chat.x\",\"data\":{\"text\":\"" + text + "\"}}");
    }

    @Test
    void publishAndSubscribeHooksChangeUnderAConnectedClient() throws Exception {
        server = FerryServer.builder().config(base()
                .set("hooks.publish.chat.pattern", "chat.#")
                .set("hooks.publish.chat.url", url("/publish-a"))
                .load()).host("127.0.0.1").port(0).build();
        server.start();
        try (WsTestClient c = WsTestClient.connect(server.webSocketUri(), Map.of("Authorization", "Bearer " + KEY))) {
            c.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"chat.x\"}");
            assertThat(c.nextJson().path("type").asText()).isEqualTo("result");
            publish(c, 2, "one");
            assertThat(received(c)).isEqualTo("{\"via\":\"a\"}");

            ReloadResult r = server.reload(base()
                    .set("hooks.publish.chat.pattern", "chat.#")
                    .set("hooks.publish.chat.url", url("/publish-b"))
                    .set("hooks.subscribe.locked.pattern", "locked.*")
                    .set("hooks.subscribe.locked.url", url("/subscribe"))
                    .load());
            assertThat(r.result()).as(r.describe()).isEqualTo(ReloadResult.Result.APPLIED);
            assertThat(r.changed()).containsExactly("hooks.subscribe.<name>", "hooks.publish.<name>");
            publish(c, 3, "two");
            assertThat(received(c)).as("the new URL").isEqualTo("{\"via\":\"b\"}");
            c.send("{\"type\":\"sub\",\"id\":4,\"topic\":\"locked.door\"}");
            JsonNode refused = c.nextJson(n -> n.path("id").asInt() == 4);
            assertThat(refused.path("code").asText()).as(refused.toString()).isEqualTo("subscribe_refused");

            r = server.reload(base().load());
            assertThat(r.result()).as(r.describe()).isEqualTo(ReloadResult.Result.APPLIED);
            publish(c, 5, "three");
            assertThat(received(c)).as("no hook any more").isEqualTo("{\"text\":\"three\"}");
            c.send("{\"type\":\"sub\",\"id\":6,\"topic\":\"locked.door\"}");
            assertThat(c.nextJson(n -> n.path("id").asInt() == 6).path("type").asText()).isEqualTo("result");
            assertThat(server.metrics().openConnections()).isEqualTo(1);
        }
    }

    @Test
    void eventsOutKeepsItsQueueAndTakesTheNewSettings() throws Exception {
        FerryConfig start = base()
                .set("hooks.events.url", url("/events"))
                .set("hooks.events.kinds", "subscribed")
                .set("hooks.events.flush-interval", "1h")
                .set("hooks.events.headers", "X-Env: one")
                .load();
        server = FerryServer.builder().config(start).host("127.0.0.1").port(0).build();
        server.start();
        try (WsTestClient c = WsTestClient.connect(server.webSocketUri(), Map.of("Authorization", "Bearer " + KEY))) {
            c.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"before.reload\"}");
            assertThat(c.nextJson().path("type").asText()).isEqualTo("result");
            // queued: the hour-long flush interval holds it
            ReloadResult r = server.reload(base()
                    .set("hooks.events.url", url("/events"))
                    .set("hooks.events.kinds", "subscribed,unsubscribed")
                    .set("hooks.events.flush-interval", "50ms")
                    .set("hooks.events.headers", "X-Env: two")
                    .load());
            assertThat(r.result()).as(r.describe()).isEqualTo(ReloadResult.Result.APPLIED);
            assertThat(r.changed()).containsExactly("hooks.events");
            c.send("{\"type\":\"unsub\",\"id\":2,\"topic\":\"before.reload\"}");
            assertThat(c.nextJson().path("type").asText()).isEqualTo("result");
            Await.until("both events sent", () -> batches.stream()
                    .mapToInt(b -> b.getValue().path("events").size()).sum() >= 2);
            List<String> kinds = new java.util.ArrayList<>();
            for (var b : batches) {
                assertThat(b.getKey()).as("the new headers").isEqualTo("two");
                b.getValue().path("events").forEach(e -> kinds.add(e.path("kind").asText() + " " + e.path("pattern").asText()));
            }
            assertThat(kinds).containsExactly("subscribed before.reload", "unsubscribed before.reload");
        }
    }
}
