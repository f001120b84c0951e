package dev.ferry.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a publisher is told (docs/protocol.md, "pub"; docs/http-api.md): the acknowledgement names the topic, the
 * epoch and the offset, and a publication retried with the same {@code pub_id} (or {@code Ferry-Pub-Id}) is answered
 * with the original's position and not published again, on every transport that publishes.
 */
class PublishAckTest {
    static final String KEY = "test-key-0123456789abcdef";

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c
            .withHttp(new HttpConfig(List.of(KEY), 4096)));

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode request(WsTestClient c, int id, String frame) {
        c.send(frame);
        return c.nextJson(n -> n.path("id").asInt() == id);
    }

    static HttpResponse<String> httpPublish(String topic, String pubId, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.http("/v1/publish/" + topic))
                .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (pubId != null) {
            b.header("Ferry-Pub-Id", pubId);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theAckNamesTheTopicEpochAndOffsetOfTheDeliveredPublication() throws Exception {
        try (WsTestClient sub = WsTestClient.connect(server.wsUri()); WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            request(sub, 1, "{\"type\":\"sub\",\"id\":1,\"topic\":\"ack.t\"}");
            JsonNode ack = request(pub, 2, "{\"type\":\"pub\",\"id\":2,\"ack\":true,\"topic\":\"ack.t\",\"data\":1}");
            JsonNode msg = sub.nextJson();
            assertThat(ack.path("data").toString()).isEqualTo("{\"topic\":\"ack.t\",\"epoch\":\"" + msg.path("epoch").asText()
                    + "\",\"offset\":" + msg.path("offset").asLong() + "}");

            HttpResponse<String> r = httpPublish("ack.t", null, "2");
            JsonNode http = JSON.readTree(r.body());
            JsonNode second = sub.nextJson();
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(http.toString()).isEqualTo("{\"topic\":\"ack.t\",\"epoch\":\"" + second.path("epoch").asText()
                    + "\",\"offset\":" + second.path("offset").asLong() + "}");
        }
    }

    @Test
    void aRetryWithTheSamePubIdIsAnsweredWithTheOriginalAndPublishesNothing() throws Exception {
        try (WsTestClient sub = WsTestClient.connect(server.wsUri()); WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            request(sub, 1, "{\"type\":\"sub\",\"id\":1,\"topic\":\"dedup.#\"}");
            JsonNode first = request(pub, 1, "{\"type\":\"pub\",\"id\":1,\"ack\":true,\"topic\":\"dedup.a\",\"pub_id\":\"x-1\",\"data\":1}");
            JsonNode again = request(pub, 2, "{\"type\":\"pub\",\"id\":2,\"ack\":true,\"topic\":\"dedup.a\",\"pub_id\":\"x-1\",\"data\":1}");
            assertThat(again.path("data")).isEqualTo(first.path("data"));
            // over HTTP too, from another connection: the id belongs to the topic, not to a connection
            HttpResponse<String> viaHttp = httpPublish("dedup.a", "x-1", "1");
            assertThat(JSON.readTree(viaHttp.body())).isEqualTo(first.path("data"));
            // the same id on another topic is another publication
            JsonNode other = request(pub, 3, "{\"type\":\"pub\",\"id\":3,\"ack\":true,\"topic\":\"dedup.b\",\"pub_id\":\"x-1\",\"data\":2}");
            assertThat(other.path("data").path("topic").asText()).isEqualTo("dedup.b");
            // a retry without ack publishes nothing either
            pub.send("{\"type\":\"pub\",\"topic\":\"dedup.a\",\"pub_id\":\"x-1\",\"data\":1}");
            JsonNode last = request(pub, 4, "{\"type\":\"pub\",\"id\":4,\"ack\":true,\"topic\":\"dedup.a\",\"pub_id\":\"x-2\",\"data\":3}");
            assertThat(last.path("data").path("offset").asLong()).isEqualTo(first.path("data").path("offset").asLong() + 1);

            assertThat(sub.nextJson().path("data").asInt()).isEqualTo(1);
            assertThat(sub.nextJson().path("data").asInt()).isEqualTo(2);
            assertThat(sub.nextJson().path("data").asInt()).as("retries published nothing").isEqualTo(3);
        }
    }

    @Test
    void aMalformedPubIdIsRefused() throws Exception {
        try (WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            for (String bad : List.of("\"\"", "\"a b\"", "\"" + "x".repeat(65) + "\"", "7", "\"caf\\u00e9\"")) {
                JsonNode e = request(pub, 1, "{\"type\":\"pub\",\"id\":1,\"ack\":true,\"topic\":\"bad.t\",\"pub_id\":" + bad + ",\"data\":1}");
                assertThat(e.path("code").asText()).as(bad).isEqualTo("bad_frame");
            }
        }
        HttpResponse<String> r = httpPublish("bad.t", "a/b", "1");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).path("code").asText()).isEqualTo("bad_request");
    }
}
