package dev.ferry.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import dev.ferry.server.config.ApiKeyConfig;
import dev.ferry.server.config.AuthConfig;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.config.IssuerConfig;
import dev.ferry.server.config.LimitsConfig;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.RawHttp;
import dev.ferry.server.testing.WsTestClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Floods and limits, and the HTTP API's named keys and tokens (docs/security.md). */
class LimitsAndApiKeysTest {
    static final String ISS = "https://id.example";
    static final String FULL = "full-access-key-0123456789";
    static final String BILLING = "billing-key-0123456789abcdef";

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c
            .withLimits(new LimitsConfig(5, 5, 5, 5, 2, 0))
            .withHttp(new HttpConfig(List.of(FULL), 1 << 16,
                    List.of(new ApiKeyConfig("billing", BILLING, List.of("publish+call billing.#")))))
            .withAuth(new AuthConfig(true, "", true, Duration.ofSeconds(30), "ferry",
                    List.of("all chat.# authenticated", "subscribe public.# everyone"),
                    List.of(new IssuerConfig("main", ISS, TestKeys.SECRET, List.of(), null, null, Duration.ofMinutes(5), List.of())))));

    @RegisterExtension
    static final FerryServerExtension fewConnections = new FerryServerExtension(c -> c
            .withLimits(new LimitsConfig(0, 0, 0, 0, 1000, 3)));

    static final HttpClient http = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    static HttpResponse<String> publish(String topic, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.http("/v1/publish/" + topic)).POST(HttpRequest.BodyPublishers.ofString("1"));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static WsTestClient authenticated() {
        String t = TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null, TestKeys.claims(ISS, "alice").build());
        return WsTestClient.connect(server.wsUri(), java.util.Map.of("Authorization", "Bearer " + t));
    }

    @Test
    void publishFloodIsRateLimited() {
        try (WsTestClient c = authenticated()) {
            StringBuilder batch = new StringBuilder();
            for (int i = 1; i <= 40; i++) {
                batch.append("{\"type\":\"pub\",\"id\":").append(i).append(",\"topic\":\"chat.x\",\"data\":1,\"ack\":true}\n");
            }
            c.send(batch.toString());
            int ok = 0;
            int limited = 0;
            for (int i = 0; i < 40; i++) {
                JsonNode n = c.nextJson();
                if (n.path("type").asText().equals("result")) {
                    ok++;
                } else {
                    assertThat(n.path("code").asText()).isEqualTo("rate_limited");
                    assertThat(n.path("data").path("action").asText()).isEqualTo("publish");
                    limited++;
                }
            }
            assertThat(ok).isBetween(5, 10);
            assertThat(limited).isEqualTo(40 - ok);
        }
        assertThat(server.server().securityMetrics().rateLimited()).isGreaterThanOrEqualTo(30);
    }

    @Test
    void pendingCallsAndCallFloodsAreLimited() {
        try (WsTestClient callee = authenticated();
             WsTestClient caller = authenticated()) {
            callee.send("{\"type\":\"register\",\"id\":1,\"proc\":\"chat.slow\"}");
            assertThat(callee.nextJson().path("type").asText()).isEqualTo("result");
            caller.send("{\"type\":\"call\",\"id\":1,\"proc\":\"chat.slow\"}\n{\"type\":\"call\",\"id\":2,\"proc\":\"chat.slow\"}\n"
                    + "{\"type\":\"call\",\"id\":3,\"proc\":\"chat.slow\"}");
            JsonNode e = caller.nextJson();
            assertThat(e.path("code").asText()).isEqualTo("too_many_pending_calls");
            assertThat(e.path("id").asLong()).isEqualTo(3);
            StringBuilder flood = new StringBuilder();
            for (int i = 10; i < 30; i++) {
                flood.append("{\"type\":\"call\",\"id\":").append(i).append(",\"proc\":\"chat.nobody\"}\n");
            }
            caller.send(flood.toString());
            List<String> codes = new ArrayList<>();
            for (int i = 10; i < 30; i++) {
                codes.add(caller.nextJson().path("code").asText());
            }
            assertThat(codes).contains("rate_limited");
        }
        assertThat(server.server().securityMetrics().pendingCallsRefused()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void connectionsPerAddressAreLimited() throws Exception {
        List<WsTestClient> held = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                held.add(WsTestClient.connect(fewConnections.wsUri()));
            }
            String raw = RawHttp.upgrade(fewConnections.port(), "/v1/ws", "");
            assertThat(raw).startsWith("HTTP/1.1 429").contains("too_many_connections");
        } finally {
            held.forEach(WsTestClient::close);
        }
        assertThat(fewConnections.server().securityMetrics().connectionsRefused()).isGreaterThanOrEqualTo(1);
        // Until the server has seen the closes, an upgrade is refused.
        Await.value("an upgrade is admitted again", Await.DEFAULT,
                () -> RawHttp.upgrade(fewConnections.port(), "/v1/ws", ""), raw -> raw.startsWith("HTTP/1.1 101"));
    }

    @Test
    void namedApiKeysHaveTheirOwnPermissions() throws Exception {
        assertThat(publish("billing.invoice", BILLING).statusCode()).isEqualTo(200);
        HttpResponse<String> r = publish("chat.room1", BILLING);
        assertThat(r.statusCode()).isEqualTo(403);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("code").asText()).isEqualTo("forbidden");
        assertThat(body.path("data").path("action").asText()).isEqualTo("publish");
        assertThat(body.path("data").path("topic").asText()).isEqualTo("chat.room1");
        HttpResponse<String> h = http.send(HttpRequest.newBuilder(server.http("/v1/history/billing.invoice"))
                .header("Authorization", "Bearer " + BILLING).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(h.statusCode()).isEqualTo(403);
        assertThat(publish("anything.at.all", FULL).statusCode()).isEqualTo(200);
        assertThat(publish("billing.x", "wrong-key-wrong-key-wrong").statusCode()).isEqualTo(401);
        assertThat(publish("billing.x", null).statusCode()).isEqualTo(401);
    }

    @Test
    void tokensAreAcceptedByTheHttpApiUnderTheRules() throws Exception {
        String t = TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null, TestKeys.claims(ISS, "alice").build());
        assertThat(publish("chat.room1", t).statusCode()).isEqualTo(200);
        assertThat(publish("public.news", t).statusCode()).isEqualTo(403);
        String none = TestKeys.none(TestKeys.claims(ISS, "alice").build());
        assertThat(publish("chat.room1", none).statusCode()).isEqualTo(401);
    }
}
