package dev.ferry.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.config.ApiKeyConfig;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.config.StateConfig;
import dev.ferry.server.hub.TopicRates;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.ManualClock;
import dev.ferry.server.testing.WsTestClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The server API of a node alone (the memory engine): the nodes list, topic and node rates on a manual clock,
 * clearing a topic's history, and the procedures (docs/http-api.md, "Server API").
 */
class AdminTopicsTest {
    static final String OPS = "ops-key-0123456789abcdef";
    static final ManualClock clock = new ManualClock();

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(clock, c -> c
            .withHttp(new HttpConfig(List.of(), 1 << 16, List.of(new ApiKeyConfig("ops", OPS, List.of("admin #", "all #")))))
            .withState(new StateConfig(4096, false, List.of(new StateConfig.Channel("docs", "doc.#", 4096)))));

    static final HttpClient http = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    static HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(server.http(path)).header("Authorization", "Bearer " + OPS);
        if (body != null) {
            r.header("Content-Type", "application/json");
        }
        r.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode ok(String method, String path, String body) throws Exception {
        HttpResponse<String> r = send(method, path, body);
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static JsonNode publish(WsTestClient c, String topic, int id) {
        c.send("{\"type\":\"pub\",\"id\":" + id + ",\"ack\":true,\"topic\":\"" + topic + "\",\"data\":" + id + "}");
        return c.nextJson(n -> n.path("id").asInt() == id).path("data");
    }

    @Test
    void ratesOfTopicsAndOfTheNodeDecayAndIdleTopicsAreForgotten() throws Exception {
        try (WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            clock.advance(Duration.ofSeconds(10)); // the node's rate window holds no publication of the other tests
            for (int i = 1; i <= 5; i++) {
                publish(pub, "rates.a", i);
            }
            publish(pub, "rates.b", 6);

            JsonNode topics = ok("GET", "/v1/admin/topics?prefix=rates.", null);
            assertThat(topics.path("partial").asBoolean()).isFalse();
            JsonNode active = topics.path("active");
            assertThat(active).hasSize(2);
            assertThat(active.get(0).path("topic").asText()).as("the busiest first").isEqualTo("rates.a");
            assertThat(active.get(0).path("publications").asLong()).isEqualTo(5);
            assertThat(active.get(0).path("rate").asDouble()).isCloseTo(5 / TopicRates.TAU_SECONDS, within(1e-9));
            assertThat(active.get(0).path("history").asLong()).isEqualTo(5);
            assertThat(active.get(1).path("rate").asDouble()).isCloseTo(1 / TopicRates.TAU_SECONDS, within(1e-9));
            assertThat(ok("GET", "/v1/admin/topics?prefix=rates.&limit=1", null).path("active")).hasSize(1);

            clock.advance(Duration.ofSeconds(1));
            JsonNode nodes = ok("GET", "/v1/admin/nodes", null);
            assertThat(nodes.path("nodes")).hasSize(1);
            JsonNode node = nodes.path("nodes").get(0);
            assertThat(node.path("node").asText()).isEqualTo(nodes.path("node").asText());
            assertThat(node.path("engine").asText()).isEqualTo("memory");
            assertThat(node.path("answered").asBoolean()).isTrue();
            assertThat(node.path("address").asText()).isEqualTo("127.0.0.1:" + server.port());
            assertThat(node.path("connections").asInt()).isEqualTo(1);
            assertThat(node.path("uptime").asLong()).isEqualTo(11);
            assertThat(node.path("publicationRate").asDouble()).as("6 over the last 10 s").isCloseTo(0.6, within(1e-9));
            assertThat(node.path("deliveryRate").asDouble()).isZero();

            clock.advance(Duration.ofSeconds(9));
            JsonNode decayed = ok("GET", "/v1/admin/topics/rates.a", null);
            assertThat(decayed.path("rate").asDouble()).as("one time constant later")
                    .isCloseTo(5 / TopicRates.TAU_SECONDS * Math.exp(-1), within(1e-9));
            assertThat(ok("GET", "/v1/admin/nodes", null).path("nodes").get(0).path("publicationRate").asDouble())
                    .as("still 6 over the last 10 s").isCloseTo(0.6, within(1e-9));

            clock.advance(Duration.ofSeconds(70)); // e^-8: under the idle rate, swept by the housekeeping
            assertThat(ok("GET", "/v1/admin/nodes", null).path("nodes").get(0).path("publicationRate").asDouble()).isZero();
            assertThat(ok("GET", "/v1/admin/topics?prefix=rates.", null).path("active")).isEmpty();
            assertThat(ok("GET", "/v1/admin/topics/rates.a", null).path("rate").asDouble()).isZero();
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(server.http("/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body()).contains("ferry_topic_rates_tracked ").contains("ferry_topic_rates_untracked_total 0.0");
        }
    }

    @Test
    void clearingATopicsHistoryGivesItANewEpochAndRecoveryFromTheOldOneFails() throws Exception {
        try (WsTestClient pub = WsTestClient.connect(server.wsUri());
             WsTestClient live = WsTestClient.connect(server.wsUri())) {
            live.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"clear.t\"}");
            live.nextJson(n -> n.path("id").asInt() == 1);
            String epoch = null;
            for (int i = 1; i <= 3; i++) {
                epoch = publish(pub, "clear.t", i).path("epoch").asText();
                assertThat(live.nextJson(n -> n.path("type").asText().equals("msg")).path("offset").asLong()).isEqualTo(i);
            }
            assertThat(ok("GET", "/v1/admin/topics/clear.t", null).path("history").asLong()).isEqualTo(3);

            JsonNode cleared = ok("DELETE", "/v1/admin/topics/clear.t/history", null);
            assertThat(cleared.path("topic").asText()).isEqualTo("clear.t");
            assertThat(cleared.path("cleared").asLong()).isEqualTo(3);
            JsonNode after = ok("GET", "/v1/admin/topics/clear.t", null);
            assertThat(after.path("history").asLong()).isZero();
            assertThat(after.path("offset").asLong()).isZero();

            try (WsTestClient late = WsTestClient.connect(server.wsUri())) {
                late.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"clear.t\",\"since\":{\"offset\":2,\"epoch\":\"" + epoch + "\"}}");
                JsonNode result = late.nextJson(n -> n.path("id").asInt() == 1).path("data");
                assertThat(result.path("recovered").asBoolean()).as(result.toString()).isFalse();
            }
            JsonNode made = publish(pub, "clear.t", 4);
            assertThat(made.path("offset").asLong()).isEqualTo(1);
            assertThat(made.path("epoch").asText()).isNotEqualTo(epoch);
            JsonNode m = live.nextJson(n -> n.path("type").asText().equals("msg"));
            assertThat(m.path("offset").asLong()).as("the live subscriber goes on in the new epoch").isEqualTo(1);
            assertThat(m.path("epoch").asText()).isEqualTo(made.path("epoch").asText());

            assertThat(ok("DELETE", "/v1/admin/topics/never.published/history", null).path("cleared").asLong()).isZero();
            HttpResponse<String> bad = send("DELETE", "/v1/admin/topics/a.*/history", null);
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(bad.body()).path("code").asText()).isEqualTo("bad_topic");
            assertThat(send("POST", "/v1/admin/topics/clear.t/history", "{}").statusCode()).isEqualTo(405);
            HttpResponse<String> state = send("DELETE", "/v1/admin/topics/doc.x/history", null);
            assertThat(state.statusCode()).isEqualTo(409);
            assertThat(JSON.readTree(state.body()).path("code").asText()).isEqualTo("state_channel");
        }
    }

    @Test
    void proceduresAreListedWithTheirCalleesPerNode() throws Exception {
        try (WsTestClient callee = WsTestClient.connect(server.wsUri());
             WsTestClient callee2 = WsTestClient.connect(server.wsUri())) {
            for (WsTestClient c : List.of(callee, callee2)) {
                c.send("{\"type\":\"register\",\"id\":1,\"proc\":\"admin.echo\"}");
                c.nextJson(n -> n.path("id").asInt() == 1);
            }
            JsonNode procs = ok("GET", "/v1/admin/procedures?prefix=admin", null);
            String node = ok("GET", "/v1/admin/nodes", null).path("node").asText();
            assertThat(procs.path("procedures")).hasSize(1);
            JsonNode echo = procs.path("procedures").get(0);
            assertThat(echo.path("proc").asText()).isEqualTo("admin.echo");
            assertThat(echo.path("callees").asInt()).isEqualTo(2);
            assertThat(echo.path("invoke").asText()).isEqualTo("roundrobin");
            assertThat(echo.path("nodes").path(node).asInt()).isEqualTo(2);
            assertThat(ok("GET", "/v1/admin/procedures?prefix=other", null).path("procedures")).isEmpty();
        }
    }
}
