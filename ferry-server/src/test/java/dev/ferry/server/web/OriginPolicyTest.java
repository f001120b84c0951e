package dev.ferry.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.config.WebConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** web.allowed-origins on every WebSocket endpoint, and web.cors-origins on the HTTP API. */
class OriginPolicyTest {
    private static List<URI> endpoints(FerryServerExtension s) {
        String base = "ws://127.0.0.1:" + s.port();
        return List.of(URI.create(base + "/v1/multiplex"), URI.create(base + "/v1/topics/o/p"));
    }

    @Nested
    class Default {
        @RegisterExtension
        static final FerryServerExtension server = new FerryServerExtension();

        @Test
        void otherOriginsAreRefusedWith403SameOriginAndNoOriginPass() {
            Map<String, String> evil = Map.of("Origin", "https://evil.example");
            for (URI u : endpoints(server)) {
                WsTestClient.Refusal r = WsTestClient.refused(u, evil);
                assertThat(r.status()).as(u.toString()).isEqualTo(403);
                assertThat(r.body()).contains("origin_not_allowed").contains("https://evil.example");
                WsTestClient.plain(u, Map.of("Origin", "http://127.0.0.1:" + server.port())).close();
                WsTestClient.plain(u).close();
            }
            WsTestClient.Refusal r = WsTestClient.refused(server.wsUri(), Map.of("Origin", "http://127.0.0.1:1"), "ferry.v1");
            assertThat(r.status()).isEqualTo(403);
        }

        @Test
        void noCorsHeadersUnlessConfigured() throws Exception {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.http("/v1/topics"))
                    .header("Origin", "https://app.example").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("access-control-allow-origin")).isEmpty();
        }
    }

    @Nested
    class Configured {
        @RegisterExtension
        static final FerryServerExtension server = new FerryServerExtension(c -> c.withWeb(
                new WebConfig(List.of("https://App.Example"), List.of("https://app.example"))));

        @Test
        void listedOriginsPass() {
            for (URI u : endpoints(server)) {
                WsTestClient.plain(u, Map.of("Origin", "https://app.example")).close();
                assertThat(WsTestClient.refused(u, Map.of("Origin", "https://other.example")).status()).isEqualTo(403);
            }
        }

        @Test
        void corsHeadersAndPreflight() throws Exception {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.http("/v1/topics"))
                    .header("Origin", "https://app.example").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.headers().firstValue("access-control-allow-origin")).hasValue("https://app.example");
            HttpResponse<String> pre = http.send(HttpRequest.newBuilder(server.http("/v1/publish/a"))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                    .header("Origin", "https://app.example")
                    .header("Access-Control-Request-Method", "POST")
                    .header("Access-Control-Request-Headers", "authorization,content-type").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(pre.statusCode()).isEqualTo(200);
            assertThat(pre.headers().firstValue("access-control-allow-origin")).hasValue("https://app.example");
            assertThat(pre.headers().firstValue("access-control-allow-methods").orElse("")).contains("POST");
        }
    }

    @Test
    void configValidation() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new WebConfig(List.of("app.example"), List.of()))
                .hasMessageContaining("web.allowed-origins: \"app.example\"");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new WebConfig(List.of(), List.of("https://a.example/path")))
                .hasMessageContaining("web.cors-origins");
        assertThat(new WebConfig(List.of("*", "null", "HTTPS://A.example:8443"), List.of()).allowedOrigins())
                .containsExactly("*", "null", "https://a.example:8443");
    }
}
