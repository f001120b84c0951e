package dev.ferry.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.protocol.CloseCodes;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.config.WampConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.SseTestClient;
import dev.ferry.server.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An event class's schema on every publish path of a real server: an invalid publication is refused in the
 * transport's own way and nothing reaches a subscriber, whose next message is the valid publication after it.
 */
class EventValidationTest {
    private static final String KEY = "event-validation-test-key";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final String VALID = "{\"author\":\"ann\",\"text\":\"hi\"}";

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c
            .withHttp(new HttpConfig(List.of(KEY), 1 << 16))
            .withWamp(new WampConfig(List.of(new WampConfig.Realm("plain", ""))))
            .withEvents(EventClassesTest.config()));

    private static WsTestClient subscriber(String pattern) {
        WsTestClient c = WsTestClient.connect(server.wsUri());
        c.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"" + pattern + "\"}");
        assertThat(c.nextJson().path("type").asText()).isEqualTo("result");
        return c;
    }

    /** The subscriber's next publication carries the valid payload: the invalid ones before it never came. */
    private static void nextIsTheValidOne(WsTestClient sub, String topic) {
        JsonNode msg = sub.nextJson(j -> j.path("type").asText().equals("msg"));
        assertThat(msg.path("topic").asText()).isEqualTo(topic);
        assertThat(msg.path("data").path("author").asText()).isEqualTo("ann");
        assertThat(msg.path("offset").asLong()).isEqualTo(1);
    }

    @Test
    void ferryV1PubIsRefusedWithThePointerAndMessage() {
        try (WsTestClient sub = subscriber("chat.v1"); WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            pub.send("{\"type\":\"pub\",\"id\":2,\"ack\":true,\"topic\":\"chat.v1\",\"data\":{\"author\":\"ann\",\"text\":5}}");
            JsonNode err = pub.nextJson();
            assertThat(err.path("type").asText()).isEqualTo("error");
            assertThat(err.path("id").asInt()).isEqualTo(2);
            assertThat(err.path("code").asText()).isEqualTo("invalid_payload");
            assertThat(err.path("message").asText())
                    .isEqualTo("payload does not match event class \"chat\": /text: integer found, string expected");
            assertThat(err.path("data").toString()).isEqualTo("{\"class\":\"chat\",\"topic\":\"chat.v1\",\"errors\":"
                    + "[{\"pointer\":\"/text\",\"message\":\"integer found, string expected\"}]}");

            pub.sendBinary(WsTestClient.binaryFrame("{\"type\":\"pub\",\"id\":3,\"topic\":\"chat.v1\"}", VALID.getBytes()));
            JsonNode binary = pub.nextJson();
            assertThat(binary.path("code").asText()).isEqualTo("invalid_payload");
            assertThat(binary.path("message").asText()).contains("binary");

            pub.send("{\"type\":\"pub\",\"id\":4,\"topic\":\"audit.x\",\"data\":1}");
            JsonNode untagged = pub.nextJson();
            assertThat(untagged.path("code").asText()).isEqualTo("bad_tags");
            assertThat(untagged.path("message").asText()).isEqualTo("event class \"audit\" requires the tag \"actor\"");

            pub.send("{\"type\":\"pub\",\"id\":5,\"ack\":true,\"topic\":\"chat.v1\",\"data\":" + VALID + "}");
            assertThat(pub.nextJson().path("type").asText()).isEqualTo("result");
            nextIsTheValidOne(sub, "chat.v1");
        }
    }

    @Test
    void httpPublishIsAnswered400WithTheSameError() throws Exception {
        try (WsTestClient sub = subscriber("chat.http")) {
            HttpResponse<String> bad = publish("chat.http", "{\"author\":\"ann\"}");
            assertThat(bad.statusCode()).isEqualTo(400);
            JsonNode body = JSON.readTree(bad.body());
            assertThat(body.path("code").asText()).isEqualTo("invalid_payload");
            assertThat(body.path("data").path("errors").get(0).path("pointer").asText()).isEmpty();
            assertThat(body.path("data").path("errors").get(0).path("message").asText()).contains("text");

            assertThat(publish("chat.http", VALID).statusCode()).isEqualTo(200);
            nextIsTheValidOne(sub, "chat.http");
        }
    }

    @Test
    void multiplexerChannelGetsErrThenUns() {
        try (WsTestClient sub = subscriber("chat.mux");
             WsTestClient m = WsTestClient.plain(URI.create("ws://127.0.0.1:" + server.port() + "/v1/multiplex"))) {
            m.send("sub,chat.mux");
            assertThat(m.nextText()).isEqualTo("sub,chat.mux");
            m.send("msg,chat.mux,{\"author\":\"ann\",\"text\":\"hi\",\"extra\":1}");
            assertThat(m.nextText()).isEqualTo("err,chat.mux,{\"code\":\"invalid_payload\",\"message\":\"payload does not"
                    + " match event class \\\"chat\\\": property 'extra' is not defined in the schema and the schema does not"
                    + " allow additional properties\",\"data\":{\"class\":\"chat\",\"topic\":\"chat.mux\",\"errors\":[{\"pointer\":"
                    + "\"\",\"message\":\"property 'extra' is not defined in the schema and the schema does not allow additional"
                    + " properties\"}]}}");
            assertThat(m.nextText()).isEqualTo("uns,chat.mux");
            m.send("sub,chat.mux");
            assertThat(m.nextText()).isEqualTo("sub,chat.mux");
            m.send("msg,chat.mux," + VALID);
            nextIsTheValidOne(sub, "chat.mux");
        }
    }

    @Test
    void perTopicSocketClosesWith1007() {
        try (WsTestClient sub = subscriber("chat.sock")) {
            URI topic = URI.create("ws://127.0.0.1:" + server.port() + "/v1/topics/chat/sock");
            try (WsTestClient bad = WsTestClient.plain(topic)) {
                bad.send("plain text is a JSON string, not a chat message");
                WsTestClient.Received close = bad.awaitClose();
                assertThat(close.closeCode()).isEqualTo(CloseCodes.INVALID_PAYLOAD_DATA);
                assertThat(close.closeReason()).isEqualTo(
                        "invalid_payload: payload does not match event class \"chat\": string found, object expected");
            }
            try (WsTestClient good = WsTestClient.plain(topic)) {
                good.send(VALID);
                nextIsTheValidOne(sub, "chat.sock");
            }
        }
    }

    @Test
    void wampPublishIsAnsweredInvalidArgumentWithTheFerryCode() throws Exception {
        try (WsTestClient sub = subscriber("chat.wamp");
             WsTestClient w = WsTestClient.plain(URI.create("ws://127.0.0.1:" + server.port() + "/v1/wamp"),
                     java.util.Map.of(), "wamp.2.json")) {
            w.send("[1,\"plain\",{\"roles\":{\"publisher\":{}}}]");
            assertThat(JSON.readTree(w.nextText()).get(0).asInt()).isEqualTo(2);
            w.send("[16,5,{\"acknowledge\":true},\"chat.wamp\",[],{\"author\":\"ann\",\"text\":5}]");
            JsonNode err = JSON.readTree(w.nextText());
            assertThat(err.get(0).asInt()).isEqualTo(8);
            assertThat(err.get(1).asInt()).isEqualTo(16);
            assertThat(err.get(2).asLong()).isEqualTo(5);
            assertThat(err.get(4).asText()).isEqualTo("wamp.error.invalid_argument");
            assertThat(err.get(6).path("code").asText()).isEqualTo("invalid_payload");
            assertThat(err.get(6).path("data").path("errors").get(0).path("pointer").asText()).isEqualTo("/text");
            w.send("[16,6,{},\"chat.wamp\",[],{\"author\":\"ann\",\"text\":\"hi\"}]");
            nextIsTheValidOne(sub, "chat.wamp");
        }
    }

    @Test
    void fallbackSessionPubIsRefusedInItsEventStream() throws Exception {
        try (WsTestClient sub = subscriber("chat.fb")) {
            HttpResponse<String> created = post("/v1/session", "", null);
            assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
            String id = JSON.readTree(created.body()).path("session").asText();
            try (SseTestClient events = SseTestClient.open(server.http("/v1/session/" + id + "/events"), (String) null)) {
                assertThat(events.status()).isEqualTo(200);
                post("/v1/session/" + id, "{\"type\":\"pub\",\"id\":7,\"topic\":\"chat.fb\",\"data\":[]}\n"
                        + "{\"type\":\"pub\",\"id\":8,\"topic\":\"chat.fb\",\"data\":" + VALID + "}\n", "text/plain");
                JsonNode err = null;
                for (int i = 0; i < 10 && err == null; i++) {
                    SseTestClient.Event e = events.next();
                    if (e.type().equals("message") && JSON.readTree(e.data()).path("type").asText().equals("error")) {
                        err = JSON.readTree(e.data());
                    }
                }
                assertThat(err).isNotNull();
                assertThat(err.path("id").asInt()).isEqualTo(7);
                assertThat(err.path("code").asText()).isEqualTo("invalid_payload");
                nextIsTheValidOne(sub, "chat.fb");
            }
        }
    }

    private static HttpResponse<String> publish(String topic, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(server.http("/v1/publish/" + topic)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String body, String type) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.http(path)).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (type != null) {
            b.header("Content-Type", type);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
