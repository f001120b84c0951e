package dev.ferry.server.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.ferry.server.auth.TestKeys;
import dev.ferry.server.config.AuthConfig;
import dev.ferry.server.config.IssuerConfig;
import dev.ferry.server.config.TunnelRoute;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Gateway-side authentication of tunnel routes with {@code auth: required} (docs/security.md, "Tunnels"). */
class TunnelAuthTest {
    static final String ISS = "https://id.example";
    static final TcpPeer guarded = peer(false);
    static final TcpPeer echo = peer(true);
    static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c
            .withAuth(new AuthConfig(true, "ferry_token", true, Duration.ZERO, "ferry", List.of(
                    "subscribe public.# everyone",
                    "tunnel rabbit claim:roles=amqp",
                    "tunnel artemis authenticated"), List.of(
                    new IssuerConfig("main", ISS, TestKeys.SECRET, List.of(), null, null, Duration.ofMinutes(5), List.of()))))
            .withTunnel(c.tunnel().withRoutes(List.of(
                    TunnelRoute.of(TunnelRoute.Kind.TCP, "rabbit", "127.0.0.1", guarded.port()).withAuthRequired(true),
                    TunnelRoute.of(TunnelRoute.Kind.AMQP, "artemis", "127.0.0.1", echo.port()).withPath("/amqp").withAuthRequired(true),
                    TunnelRoute.of(TunnelRoute.Kind.TCP, "open", "127.0.0.1", echo.port())))));

    private static TcpPeer peer(boolean isEcho) {
        try {
            return isEcho ? TcpPeer.echo() : TcpPeer.manual();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stopPeers() throws IOException {
        guarded.close();
        echo.close();
    }

    static String token(String sub, Map<String, Object> claims) {
        JWTClaimsSet.Builder b = TestKeys.claims(ISS, sub).expirationTime(Date.from(Instant.now().plusSeconds(300)));
        claims.forEach(b::claim);
        return TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null, b.build());
    }

    static URI ws(String path) {
        return URI.create("ws://127.0.0.1:" + server.port() + path);
    }

    static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }

    @Test
    void refusedClientsNeverReachTheUpstream() throws Exception {
        long authFailures = server.server().securityMetrics().authFailures();
        WsTestClient.Refusal none = WsTestClient.refused(ws("/v1/tunnel/rabbit"), Map.of());
        assertThat(none.status()).isEqualTo(401);
        JsonNode body = JSON.readTree(none.body());
        assertThat(body.path("code").asText()).isEqualTo("unauthorized");
        assertThat(body.path("message").asText()).contains("tunnel.routes.rabbit.auth");
        assertThat(WsTestClient.refused(ws("/v1/tunnel/rabbit"), bearer("garbage")).status()).isEqualTo(401);
        assertThat(server.server().securityMetrics().authFailures()).isEqualTo(authFailures + 2);

        WsTestClient.Refusal bob = WsTestClient.refused(ws("/v1/tunnel/rabbit"), bearer(token("bob", Map.of())));
        assertThat(bob.status()).isEqualTo(403);
        JsonNode denied = JSON.readTree(bob.body());
        assertThat(denied.path("code").asText()).isEqualTo("forbidden");
        assertThat(denied.path("data").path("action").asText()).isEqualTo("tunnel");
        assertThat(denied.path("data").path("topic").asText()).isEqualTo("rabbit");

        String amqp = token("carol", Map.of("roles", List.of("amqp")));
        WsTestClient.Refusal evil = WsTestClient.refused(ws("/v1/tunnel/rabbit"),
                Map.of("Authorization", "Bearer " + amqp, "Origin", "https://evil.example"));
        assertThat(evil.status()).isEqualTo(403);
        assertThat(JSON.readTree(evil.body()).path("code").asText()).isEqualTo("origin_not_allowed");
        assertThat(guarded.nothingAcceptedWithin(Duration.ofMillis(300))).isTrue();
    }

    @Test
    void allowedClientIsRelayed() throws Exception {
        String amqp = token("carol", Map.of("roles", List.of("amqp")));
        try (WsTestClient c = WsTestClient.plain(ws("/v1/tunnel/rabbit"), Map.of("Cookie", "ferry_token=" + amqp))) {
            Socket upstream = guarded.nextAccepted();
            upstream.getOutputStream().write(new byte[] {1, 2, 3});
            upstream.getOutputStream().flush();
            assertThat(c.next().binary()).containsExactly(1, 2, 3);
            upstream.close();
        }
    }

    @Test
    void amqpRouteRequiresATokenBeforeConnectingToTheBroker() {
        WsTestClient.Refusal none = WsTestClient.refused(ws("/amqp"), Map.of(), "amqp");
        assertThat(none.status()).isEqualTo(401);
        String alice = token("alice", Map.of());
        try (WsTestClient c = WsTestClient.plain(URI.create(ws("/amqp") + "?access_token=" + alice), Map.of(), "amqp")) {
            c.sendBinary(new byte[] {'A', 'M', 'Q', 'P', 0, 1, 0, 0});
            assertThat(c.next().binary()).containsExactly('A', 'M', 'Q', 'P', 0, 1, 0, 0);
        }
    }

    @Test
    void routeWithoutAuthStaysOpenToAnyone() {
        try (WsTestClient c = WsTestClient.plain(ws("/v1/tunnel/open"))) {
            c.sendBinary(new byte[] {9});
            assertThat(c.next().binary()).containsExactly(9);
        }
    }
}
