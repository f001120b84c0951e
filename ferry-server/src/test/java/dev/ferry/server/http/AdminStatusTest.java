package dev.ferry.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.FerryServer;
import dev.ferry.server.auth.TestKeys;
import dev.ferry.server.config.ApiKeyConfig;
import dev.ferry.server.config.AuthConfig;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.config.IssuerConfig;
import dev.ferry.server.config.SessionConfig;
import dev.ferry.server.config.TunnelConfig;
import dev.ferry.server.config.TunnelRoute;
import dev.ferry.server.extension.BridgeStatus;
import dev.ferry.server.extension.ExtensionContext;
import dev.ferry.server.extension.FerryExtension;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/admin/stats}, {@code /config}, {@code /tunnels} and {@code /bridges} (docs/http-api.md, "Server
 * API"), over real sockets: the counters move with what clients do, no secret of the configuration is ever sent,
 * and the tunnel routes and an extension's bridges are listed with their state.
 */
class AdminStatusTest {
    static final String PLAIN = "plain-key-0123456789abcdef";
    static final String OPS = "ops-key-0123456789abcdef";
    static final String SESSION_SECRET = "session-secret-0123456789abcdef0123456789";
    static final String UPSTREAM_PASSWORD = "upstream-pw-0123456789";
    static final HttpClient http = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    /** An extension with one bridge whose state the test sets. */
    static final class FakeBridge implements FerryExtension {
        volatile String state = BridgeStatus.CONNECTING;

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public void start(ExtensionContext context) {
        }

        @Override
        public List<BridgeStatus> bridges() {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("broker", "amqp://ferry:" + UPSTREAM_PASSWORD + "@127.0.0.1:5672/");
            d.put("patterns", List.of("orders.#"));
            d.put("published", 7L);
            return List.of(new BridgeStatus(name(), "orders", state, d));
        }

        @Override
        public void close() {
        }
    }

    static final FakeBridge bridge = new FakeBridge();
    static FerryServer server;

    @BeforeAll
    static void start() {
        FerryConfig c = FerryConfig.DEFAULT
                .withHttp(new HttpConfig(List.of(PLAIN), 1 << 16, List.of(new ApiKeyConfig("ops", OPS, List.of("admin #", "all #")))))
                .withAuth(new AuthConfig(true, "", true, Duration.ofSeconds(30), "ferry", List.of("all # everyone"),
                        List.of(new IssuerConfig("main", "https://id.example", TestKeys.SECRET, List.of(), null,
                                "https://ferry:" + UPSTREAM_PASSWORD + "@id.example/jwks", Duration.ofMinutes(5), List.of()))))
                .withSession(new SessionConfig(Duration.ofMinutes(2), SESSION_SECRET, "ferry_session"))
                .withTunnel(new TunnelConfig(List.of(new TunnelRoute(TunnelRoute.Kind.TCP, "echo", null, "127.0.0.1", 9,
                        false, 5, true)), 1 << 20, Duration.ofSeconds(30), Duration.ofSeconds(5)));
        server = FerryServer.builder().config(c).host("127.0.0.1").port(0).extension(bridge).build();
        server.start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static HttpResponse<String> get(String path, String key) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.httpUri() + path))
                .header("Authorization", "Bearer " + key).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode getJson(String path) throws Exception {
        HttpResponse<String> r = get(path, OPS);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        return JSON.readTree(r.body());
    }

    @Test
    void onlyAnAdminMayReadThem() throws Exception {
        for (String path : List.of("stats", "config", "tunnels", "bridges")) {
            assertThat(get("/v1/admin/" + path, PLAIN).statusCode()).as(path).isEqualTo(403);
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(server.httpUri() + "/v1/admin/" + path))
                    .header("Authorization", "Bearer " + OPS).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).as(path).isEqualTo(405);
        }
        assertThat(get("/v1/admin/stats/more", OPS).statusCode()).isEqualTo(404);
    }

    @Test
    void statsCountConnectionsSubscriptionsPublicationsAndCalls() throws Exception {
        JsonNode before = getJson("/v1/admin/stats");
        assertThat(before.get("node").asText()).isNotEmpty();
        try (WsTestClient a = WsTestClient.connect(server.webSocketUri())) {
            a.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"stats.#\"}");
            assertThat(a.nextJson(j -> j.path("id").asInt() == 1).get("type").asText()).isEqualTo("result");
            a.send("{\"type\":\"pub\",\"id\":2,\"topic\":\"stats.a\",\"data\":1}");
            a.nextJson(j -> j.path("type").asText().equals("msg"));
            a.send("{\"type\":\"call\",\"id\":3,\"proc\":\"stats.nobody\",\"args\":null}");
            assertThat(a.nextJson(j -> j.path("id").asInt() == 3).get("type").asText()).isEqualTo("error");
            JsonNode now = getJson("/v1/admin/stats");
            assertThat(now.get("connections").asLong()).isGreaterThanOrEqualTo(1);
            assertThat(now.get("subscriptions").asLong()).isGreaterThanOrEqualTo(1);
            assertThat(now.get("publications").asLong()).isEqualTo(before.get("publications").asLong() + 1);
            assertThat(now.get("deliveries").asLong()).isEqualTo(before.get("deliveries").asLong() + 1);
            assertThat(now.get("rpcCalls").asLong()).isEqualTo(before.get("rpcCalls").asLong() + 1);
            assertThat(now.get("rpcErrors").asLong()).isEqualTo(before.get("rpcErrors").asLong() + 1);
            assertThat(now.get("bytesIn").asLong()).isGreaterThan(before.get("bytesIn").asLong());
            for (String field : List.of("rpcPending", "slowConsumerCloses", "tunnelsOpen", "bytesOut")) {
                assertThat(now.get(field).isIntegralNumber()).as(field).isTrue();
            }
        }
        Await.until("the closed connection is no longer counted", Duration.ofSeconds(30), () -> {
            try {
                return getJson("/v1/admin/stats").get("connections").asLong() == before.get("connections").asLong();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void theConfigurationIsShownWithEverySecretMasked() throws Exception {
        HttpResponse<String> r = get("/v1/admin/config", OPS);
        assertThat(r.statusCode()).isEqualTo(200);
        for (String secret : List.of(PLAIN, OPS, SESSION_SECRET, TestKeys.SECRET, UPSTREAM_PASSWORD)) {
            assertThat(r.body()).as("the answer holds no secret").doesNotContain(secret);
        }
        JsonNode c = JSON.readTree(r.body());
        assertThat(c.at("/http/api-keys").get(0).asText()).isEqualTo(AdminStatus.MASK);
        assertThat(c.at("/http/named-keys/0/name").asText()).isEqualTo("ops");
        assertThat(c.at("/http/named-keys/0/key").asText()).isEqualTo(AdminStatus.MASK);
        assertThat(c.at("/http/named-keys/0/allow").toString()).isEqualTo("[\"admin #\",\"all #\"]");
        assertThat(c.at("/auth/issuers/0/secret").asText()).isEqualTo(AdminStatus.MASK);
        assertThat(c.at("/auth/issuers/0/issuer").asText()).isEqualTo("https://id.example");
        assertThat(c.at("/auth/issuers/0/jwks-url").asText()).isEqualTo("https://ferry:" + AdminStatus.MASK + "@id.example/jwks");
        assertThat(c.at("/auth/rules/0").asText()).isEqualTo("all # everyone");
        assertThat(c.at("/session/secret").asText()).isEqualTo(AdminStatus.MASK);
        assertThat(c.at("/session/cookie").asText()).isEqualTo("ferry_session");
        assertThat(c.at("/session/ttl").asText()).isEqualTo("2m");
        assertThat(c.at("/websocket/max-message-bytes").asInt()).isEqualTo(FerryConfig.DEFAULT.websocket().maxMessageBytes());
        assertThat(c.at("/server/host").asText()).isEqualTo("127.0.0.1");
        assertThat(c.at("/tunnel/routes/0/upstream-host").asText()).isEqualTo("127.0.0.1");
        assertThat(c.at("/tls/cert").isNull()).isTrue();
    }

    @Test
    void urlPasswordsAreMaskedAndOtherTextIsNot() {
        assertThat(AdminStatus.withoutPassword("amqp://guest:guest@127.0.0.1:5672/%2F"))
                .isEqualTo("amqp://guest:" + AdminStatus.MASK + "@127.0.0.1:5672/%2F");
        assertThat(AdminStatus.withoutPassword("https://user@host/p@th")).isEqualTo("https://user@host/p@th");
        assertThat(AdminStatus.withoutPassword("https://host/a:b@c")).isEqualTo("https://host/a:b@c");
        assertThat(AdminStatus.withoutPassword("all chat.# authenticated")).isEqualTo("all chat.# authenticated");
        assertThat(AdminStatus.kebab("outboundQueueBytes")).isEqualTo("outbound-queue-bytes");
    }

    @Test
    void listsTunnelRoutesWithTheirCounters() throws Exception {
        JsonNode t = getJson("/v1/admin/tunnels").get("tunnels");
        assertThat(t).hasSize(1);
        assertThat(t.get(0).get("name").asText()).isEqualTo("echo");
        assertThat(t.get(0).get("kind").asText()).isEqualTo("tcp");
        assertThat(t.get(0).get("path").asText()).isEqualTo("/v1/tunnel/echo");
        assertThat(t.get(0).get("upstream").asText()).isEqualTo("127.0.0.1:9");
        assertThat(t.get(0).get("auth").asText()).isEqualTo("required");
        assertThat(t.get(0).get("maxConnections").asInt()).isEqualTo(5);
        assertThat(t.get(0).get("open").asInt()).isZero();
        assertThat(t.get(0).get("accepted").asLong()).isZero();
    }

    @Test
    void listsTheBridgesOfExtensionsWithTheirState() throws Exception {
        bridge.state = BridgeStatus.CONNECTING;
        JsonNode b = getJson("/v1/admin/bridges").get("bridges");
        assertThat(b).hasSize(1);
        assertThat(b.get(0).get("extension").asText()).isEqualTo("fake");
        assertThat(b.get(0).get("name").asText()).isEqualTo("orders");
        assertThat(b.get(0).get("state").asText()).isEqualTo("connecting");
        assertThat(b.get(0).get("patterns").toString()).isEqualTo("[\"orders.#\"]");
        assertThat(b.get(0).get("published").asLong()).isEqualTo(7);
        assertThat(b.get(0).get("broker").asText()).isEqualTo("amqp://ferry:" + AdminStatus.MASK + "@127.0.0.1:5672/");
        bridge.state = BridgeStatus.CONNECTED;
        assertThat(getJson("/v1/admin/bridges").at("/bridges/0/state").asText()).isEqualTo("connected");
    }
}
