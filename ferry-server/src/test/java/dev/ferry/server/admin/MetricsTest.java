package dev.ferry.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class MetricsTest {
    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension();

    private static String scrape() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.http("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        return r.body();
    }

    private static double value(String body, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(body);
        assertThat(m.find()).as(series + " in\n" + body).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void countsPublicationsDeliveriesAndCalls() throws Exception {
        try (WsTestClient a = WsTestClient.connect(server.wsUri()); WsTestClient b = WsTestClient.connect(server.wsUri())) {
            a.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"m.*\"}");
            a.nextJson();
            b.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"m.x\"}");
            b.nextJson();
            double pubs = value(scrape(), "ferry_publications_total");
            double deliveries = value(scrape(), "ferry_deliveries_total");
            String before = scrape();
            double in = value(before, "ferry_bytes_total{direction=\"in\"}");
            double out = value(before, "ferry_bytes_total{direction=\"out\"}");
            b.send("{\"type\":\"pub\",\"id\":2,\"ack\":true,\"topic\":\"m.x\",\"data\":1}");
            b.nextJson(n -> n.path("type").asText().equals("result"));
            a.send("{\"type\":\"call\",\"id\":3,\"proc\":\"nobody\"}");
            a.nextJson(n -> n.path("type").asText().equals("error"));
            String body = scrape();
            assertThat(value(body, "ferry_publications_total")).isEqualTo(pubs + 1);
            assertThat(value(body, "ferry_deliveries_total")).isEqualTo(deliveries + 2);
            assertThat(value(body, "ferry_sessions")).isGreaterThanOrEqualTo(2);
            assertThat(value(body, "ferry_subscriptions")).isGreaterThanOrEqualTo(2);
            assertThat(value(body, "ferry_rpc_duration_seconds_count{outcome=\"no_such_procedure\"}")).isGreaterThanOrEqualTo(1);
            // The pub (masked, 2+4 header bytes), the scrape's request; a's and b's msg frames and the ack.
            assertThat(value(body, "ferry_bytes_total{direction=\"in\"}")).isGreaterThan(in + 60);
            assertThat(value(body, "ferry_bytes_total{direction=\"out\"}")).isGreaterThan(out + 2 * 40);
            assertThat(value(body, "ferry_outbound_queued_bytes")).isGreaterThanOrEqualTo(0);
            assertThat(value(body, "ferry_outbound_socket_pending_bytes")).isGreaterThanOrEqualTo(0);
            assertThat(body).contains("ferry_slow_consumer_closes_total", "jvm_memory_used_bytes", "netty_allocator_used_direct_bytes");
        }
    }

    @Test
    void exportsTheSecurityCounters() throws Exception {
        double before = value(scrape(), "ferry_auth_failures_total");
        String raw = dev.ferry.server.testing.RawHttp.upgrade(server.port(), "/v1/ws", "Authorization: Bearer not-a-token\r\n");
        assertThat(raw).startsWith("HTTP/1.1 401");
        String body = scrape();
        assertThat(value(body, "ferry_auth_failures_total")).isEqualTo(before + 1);
        for (String series : new String[] {"ferry_forbidden_total", "ferry_rate_limited_total",
                "ferry_pending_calls_refused_total", "ferry_connections_refused_total", "ferry_token_expired_closes_total"}) {
            assertThat(value(body, series)).as(series).isGreaterThanOrEqualTo(0);
        }
    }
}
