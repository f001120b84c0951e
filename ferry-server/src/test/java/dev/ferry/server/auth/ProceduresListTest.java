package dev.ferry.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.config.AuthConfig;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.config.IssuerConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The procedure listing, the ferry.v1 {@code procedures} command and {@code GET /v1/procedures}: callee counts,
 * policies and call counts of what the asker may call (docs/protocol.md "procedures", docs/http-api.md).
 */
class ProceduresListTest {
    static final String KEY = "list-key-0123456789abcdef";
    static final List<String> RULES = List.of(
            "call+register svc.# everyone",
            "call+register math.* claim:roles=calc");

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c
            .withAuth(new AuthConfig(true, "ferry_token", true, Duration.ZERO, "ferry", RULES, List.of(
                    new IssuerConfig("main", AuthWebSocketTest.ISS, TestKeys.SECRET, List.of(), null, null,
                            Duration.ofMinutes(5), List.of("ferry")))))
            .withHttp(new HttpConfig(List.of(KEY), 4096)));

    private static final ObjectMapper JSON = new ObjectMapper();

    private static WsTestClient connect(String token) {
        return token == null ? WsTestClient.connect(server.wsUri())
                : WsTestClient.connect(server.wsUri(), Map.of("Authorization", "Bearer " + token));
    }

    private static void register(WsTestClient c, String proc, String invoke) {
        c.send("{\"type\":\"register\",\"id\":1,\"proc\":\"" + proc + "\",\"invoke\":\"" + invoke + "\"}");
        assertThat(c.nextJson().path("type").asText()).isEqualTo("result");
    }

    private static JsonNode list(WsTestClient c, String prefix) {
        c.send("{\"type\":\"procedures\",\"id\":9" + (prefix == null ? "" : ",\"prefix\":\"" + prefix + "\"") + "}");
        JsonNode r = c.nextJson();
        assertThat(r.path("id").asInt()).isEqualTo(9);
        return r;
    }

    @Test
    void listsWhatTheAskerMayCallWithCountsAndPolicies() throws Exception {
        String calc = AuthWebSocketTest.token("carol", 300, Map.of("roles", List.of("calc")));
        try (WsTestClient a = connect(null); WsTestClient b = connect(null); WsTestClient m = connect(calc);
             WsTestClient anonymous = connect(null); WsTestClient calculator = connect(calc)) {
            register(a, "svc.echo", "first");
            register(b, "svc.echo", "first");
            register(m, "math.add", "single");
            anonymous.send("{\"type\":\"call\",\"id\":2,\"proc\":\"svc.echo\",\"args\":1}");
            long inv = a.nextJson().path("id").asLong();
            a.send("{\"type\":\"reply\",\"id\":" + inv + ",\"data\":1}");
            assertThat(anonymous.nextJson().path("type").asText()).isEqualTo("result");

            JsonNode seen = list(anonymous, null).path("data");
            assertThat(seen.path("prefix").asText()).isEmpty();
            assertThat(seen.path("truncated").asBoolean()).isFalse();
            assertThat(seen.path("procedures")).hasSize(1);
            JsonNode echo = seen.path("procedures").get(0);
            assertThat(echo.path("proc").asText()).isEqualTo("svc.echo");
            assertThat(echo.path("callees").asInt()).isEqualTo(2);
            assertThat(echo.path("invoke").asText()).isEqualTo("first");
            assertThat(echo.path("calls").asLong()).isEqualTo(1);
            assertThat(echo.path("rate").asDouble()).isPositive();

            JsonNode all = list(calculator, null).path("data").path("procedures");
            assertThat(all.findValuesAsText("proc")).containsExactly("math.add", "svc.echo");
            assertThat(all.get(0).path("invoke").asText()).isEqualTo("single");
            assertThat(list(calculator, "math").path("data").path("procedures").findValuesAsText("proc"))
                    .containsExactly("math.add");
            assertThat(list(calculator, "svc.echo").path("data").path("procedures")).hasSize(1);

            JsonNode bad = list(calculator, "math..x");
            assertThat(bad.path("type").asText()).isEqualTo("error");
            assertThat(bad.path("code").asText()).isEqualTo("bad_procedure");

            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.http("/v1/procedures?prefix=svc"))
                    .header("Authorization", "Bearer " + calc).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(r.body()).path("procedures").findValuesAsText("proc")).containsExactly("svc.echo");
            HttpResponse<String> none = http.send(HttpRequest.newBuilder(server.http("/v1/procedures")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(none.statusCode()).isEqualTo(401);
            HttpResponse<String> badPrefix = http.send(HttpRequest.newBuilder(server.http("/v1/procedures?prefix=a..b"))
                    .header("Authorization", "Bearer " + KEY).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(badPrefix.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(badPrefix.body()).path("code").asText()).isEqualTo("bad_procedure");
        }
    }
}
