package dev.ferry.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.SseTestClient;
import dev.ferry.server.testing.WsTestClient;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Subscription filters and publication tags end to end: WebSocket, recovery and SSE. */
class FilterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension();

    private static void sub(WsTestClient ws, int id, String topic, String filter) {
        ws.send("{\"type\":\"sub\",\"id\":" + id + ",\"topic\":\"" + topic + "\",\"filter\":" + quote(filter) + "}");
        JsonNode r = ws.nextJson(n -> n.path("id").asInt() == id);
        assertThat(r.path("type").asText()).as(r.toString()).isEqualTo("result");
    }

    private static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void pub(WsTestClient ws, String topic, String tags, String data) {
        ws.send("{\"type\":\"pub\",\"id\":99,\"ack\":true,\"topic\":\"" + topic + "\""
                + (tags == null ? "" : ",\"tags\":" + tags) + ",\"data\":" + data + "}");
        JsonNode r = ws.nextJson(n -> n.path("id").asInt() == 99);
        assertThat(r.path("type").asText()).as(r.toString()).isEqualTo("result");
    }

    /** The {@code data.n} of the next {@code count} messages. */
    private static List<Integer> ns(WsTestClient ws, int count) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(ws.nextJson(n -> n.path("type").asText().equals("msg")).path("data").path("n").asInt());
        }
        return out;
    }

    @Test
    void filteredAndUnfilteredSubscribersOnOneTopic() {
        try (WsTestClient all = WsTestClient.connect(server.wsUri());
             WsTestClient hot = WsTestClient.connect(server.wsUri());
             WsTestClient tagged = WsTestClient.connect(server.wsUri());
             WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            all.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"f1.#\"}");
            all.nextJson();
            sub(hot, 1, "f1.*", "region in ('east','west') and temp > 30 and not exists(tags.test)");
            sub(tagged, 1, "f1.a", "tags.env == 'prod'");
            pub(pub, "f1.a", null, "{\"n\":1,\"region\":\"east\",\"temp\":31}");
            pub(pub, "f1.a", "{\"test\":\"1\"}", "{\"n\":2,\"region\":\"east\",\"temp\":35}");
            pub(pub, "f1.a", "{\"env\":\"prod\"}", "{\"n\":3,\"region\":\"north\",\"temp\":40}");
            pub(pub, "f1.b", null, "{\"n\":4,\"region\":\"west\",\"temp\":30}");
            pub(pub, "f1.b", "{\"env\":\"prod\"}", "{\"n\":5,\"region\":\"west\",\"temp\":30.5}");
            pub(pub, "f1.a", "{\"env\":\"prod\"}", "[\"n\",6]");
            pub(pub, "f1.a", "{\"env\":\"prod\"}", "{\"n\":7,\"region\":\"west\",\"temp\":99}");
            assertThat(ns(all, 7)).containsExactly(1, 2, 3, 4, 5, 0, 7);
            assertThat(ns(hot, 3)).containsExactly(1, 5, 7);
            assertThat(ns(tagged, 3)).containsExactly(3, 0, 7);
        }
    }

    @Test
    void tagsTravelWithTheMessage() {
        try (WsTestClient sub = WsTestClient.connect(server.wsUri());
             WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            sub.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"f2.a\"}");
            sub.nextJson();
            pub(pub, "f2.a", "{\"z\":\"1\",\"a\":\"x\\\"y\"}", "{\"n\":1}");
            assertThat(sub.nextJson().toString())
                    .matches("\\{\"type\":\"msg\",\"topic\":\"f2.a\",\"offset\":1,\"epoch\":\"[0-9a-f]+\","
                            + "\"tags\":\\{\"a\":\"x\\\\\"y\",\"z\":\"1\"},\"data\":\\{\"n\":1}}");
            pub.send("{\"type\":\"history\",\"id\":7,\"topic\":\"f2.a\"}");
            JsonNode item = pub.nextJson(n -> n.path("id").asInt() == 7).path("data").path("items").get(0);
            assertThat(item.path("tags").toString()).isEqualTo("{\"a\":\"x\\\"y\",\"z\":\"1\"}");
            assertThat(item.path("data").path("n").asInt()).isEqualTo(1);
        }
    }

    @Test
    void unfilteredPatternWinsAndFiltersOfOverlappingPatternsAddUp() {
        try (WsTestClient ws = WsTestClient.connect(server.wsUri());
             WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            sub(ws, 1, "f3.*", "n == 1");
            sub(ws, 2, "f3.a", "n == 2");
            pub(pub, "f3.a", null, "{\"n\":1}");
            pub(pub, "f3.a", null, "{\"n\":2}");
            pub(pub, "f3.a", null, "{\"n\":3}");
            pub(pub, "f3.b", null, "{\"n\":2}");
            pub(pub, "f3.b", null, "{\"n\":1}");
            assertThat(ns(ws, 3)).containsExactly(1, 2, 1);
            ws.send("{\"type\":\"sub\",\"id\":3,\"topic\":\"f3.#\"}"); // unfiltered: everything under f3
            ws.nextJson(n -> n.path("id").asInt() == 3);
            pub(pub, "f3.a", null, "{\"n\":4}");
            pub(pub, "f3.b", null, "{\"n\":5}");
            assertThat(ns(ws, 2)).containsExactly(4, 5);
            ws.send("{\"type\":\"unsub\",\"id\":4,\"topic\":\"f3.#\"}");
            ws.nextJson(n -> n.path("id").asInt() == 4);
            sub(ws, 5, "f3.a", "n == 7"); // subscribing again replaces the pattern's filter
            pub(pub, "f3.a", null, "{\"n\":2}");
            pub(pub, "f3.a", null, "{\"n\":7}");
            assertThat(ns(ws, 1)).containsExactly(7);
        }
    }

    @Test
    void badFilterNamesTheColumn() {
        try (WsTestClient ws = WsTestClient.connect(server.wsUri())) {
            ws.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"f4.a\",\"filter\":\"temp >> 3\"}");
            JsonNode e = ws.nextJson();
            assertThat(e.path("type").asText()).isEqualTo("error");
            assertThat(e.path("id").asInt()).isEqualTo(1);
            assertThat(e.path("code").asText()).isEqualTo("bad_filter");
            assertThat(e.path("message").asText()).startsWith("filter: column 7: expected a literal");
            assertThat(e.path("data").path("column").asInt()).isEqualTo(7);
            ws.send("{\"type\":\"pub\",\"id\":2,\"topic\":\"f4.a\",\"tags\":{\"a-b\":\"x\"},\"data\":1}");
            JsonNode t = ws.nextJson();
            assertThat(t.path("code").asText()).isEqualTo("bad_tags");
            assertThat(t.path("id").asInt()).isEqualTo(2);
            // the refused subscription does not exist
            ws.send("{\"type\":\"unsub\",\"id\":3,\"topic\":\"f4.a\"}");
            assertThat(ws.nextJson().path("code").asText()).isEqualTo("not_subscribed");
        }
    }

    @Test
    void recoveryReplaysOnlyWhatTheFilterAccepts() {
        try (WsTestClient pub = WsTestClient.connect(server.wsUri());
             WsTestClient ws = WsTestClient.connect(server.wsUri())) {
            for (int i = 1; i <= 6; i++) {
                pub(pub, "f5.a", i % 2 == 0 ? "{\"even\":\"yes\"}" : null, "{\"n\":" + i + "}");
            }
            ws.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"f5.a\",\"since\":{\"offset\":0},\"filter\":\"exists(tags.even) or n == 5\"}");
            JsonNode r = ws.nextJson();
            assertThat(r.path("data").path("recovered").asBoolean()).as(r.toString()).isTrue();
            pub(pub, "f5.a", null, "{\"n\":7}");
            pub(pub, "f5.a", "{\"even\":\"yes\"}", "{\"n\":8}");
            assertThat(ns(ws, 5)).containsExactly(2, 4, 5, 6, 8);
        }
    }

    @Test
    void sseStreamWithFilter() throws Exception {
        try (WsTestClient pub = WsTestClient.connect(server.wsUri());
             SseTestClient s = SseTestClient.open(server.http("/v1/sse?topic=f6.*&filter="
                     + URLEncoder.encode("level >= 3 or tags.k == 'v'", StandardCharsets.UTF_8)))) {
            assertThat(s.status()).isEqualTo(200);
            assertThat(s.next().type()).isEqualTo("ready");
            pub(pub, "f6.a", null, "{\"n\":1,\"level\":1}");
            pub(pub, "f6.a", "{\"k\":\"v\"}", "{\"n\":2,\"level\":1}");
            pub(pub, "f6.b", null, "{\"n\":3,\"level\":3}");
            JsonNode first = JSON.readTree(s.next().data());
            assertThat(first.path("data").path("n").asInt()).isEqualTo(2);
            assertThat(first.path("tags").path("k").asText()).isEqualTo("v");
            assertThat(JSON.readTree(s.next().data()).path("data").path("n").asInt()).isEqualTo(3);
        }
        // resuming with Last-Event-ID replays only what the filter accepts
        String query = "/v1/sse?topic=f7.a&filter=" + URLEncoder.encode("n > 1", StandardCharsets.UTF_8);
        String lastId;
        try (WsTestClient pub = WsTestClient.connect(server.wsUri());
             SseTestClient s = SseTestClient.open(server.http(query))) {
            assertThat(s.next().type()).isEqualTo("ready");
            pub(pub, "f7.a", null, "{\"n\":1}");
            pub(pub, "f7.a", null, "{\"n\":2}");
            SseTestClient.Event e = s.next();
            assertThat(JSON.readTree(e.data()).path("data").path("n").asInt()).isEqualTo(2);
            lastId = e.id();
        }
        try (WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            pub(pub, "f7.a", null, "{\"n\":0}");
            pub(pub, "f7.a", null, "{\"n\":3}");
            pub(pub, "f7.a", null, "{\"n\":1}");
            pub(pub, "f7.a", null, "{\"n\":4}");
            try (SseTestClient s = SseTestClient.open(server.http(query), lastId)) {
                assertThat(s.next().type()).isEqualTo("ready");
                assertThat(JSON.readTree(s.next().data()).path("data").path("n").asInt()).isEqualTo(3);
                assertThat(JSON.readTree(s.next().data()).path("data").path("n").asInt()).isEqualTo(4);
                pub(pub, "f7.a", null, "{\"n\":-1}");
                pub(pub, "f7.a", null, "{\"n\":5}");
                assertThat(JSON.readTree(s.next().data()).path("data").path("n").asInt()).isEqualTo(5);
            }
        }
        HttpResponse<String> bad = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                server.http("/v1/sse?topic=f6.a&filter=" + URLEncoder.encode("level >", StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).path("code").asText()).isEqualTo("bad_filter");
        assertThat(JSON.readTree(bad.body()).path("message").asText()).startsWith("filter: column 8:");
    }
}
