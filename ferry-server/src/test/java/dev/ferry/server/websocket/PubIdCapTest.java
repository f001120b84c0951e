package dev.ferry.server.websocket;

import static dev.ferry.server.websocket.PublishAckTest.request;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Publication ids are bounded per node ({@code publish.dedup-max-ids}): one more is refused, and not published. */
class PubIdCapTest {
    static final String KEY = PublishAckTest.KEY;
    static final int MAX_IDS = 50;

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c
            .withHttp(new HttpConfig(List.of(KEY), 4096))
            .withEngine(c.engine().withDedup(Duration.ofMinutes(2), MAX_IDS)));

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static HttpResponse<String> httpPublish(String topic, String pubId, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(server.http("/v1/publish/" + topic))
                .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
                .header("Ferry-Pub-Id", pubId).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The node remembers at most publish.dedup-max-ids ids: one more is refused, unpublished; known ids still answer. */
    @Test
    void pubIdsBeyondTheCapAreRefusedAndNothingIsPublished() throws Exception {
        try (WsTestClient sub = WsTestClient.connect(server.wsUri()); WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            request(sub, 1, "{\"type\":\"sub\",\"id\":1,\"topic\":\"cap.t\"}");
            int n = 0;
            JsonNode r;
            do {
                n++;
                r = request(pub, n, "{\"type\":\"pub\",\"id\":" + n + ",\"ack\":true,\"topic\":\"cap.t\",\"pub_id\":\"c-" + n
                        + "\",\"data\":" + n + "}");
            } while (r.path("type").asText().equals("result") && n <= MAX_IDS + 1);
            assertThat(r.path("code").asText()).isEqualTo("too_many_pub_ids");
            assertThat(n).isEqualTo(MAX_IDS + 1);
            HttpResponse<String> viaHttp = httpPublish("cap.t", "c-new", "0");
            assertThat(viaHttp.statusCode()).isEqualTo(429);
            assertThat(JSON.readTree(viaHttp.body()).path("code").asText()).isEqualTo("too_many_pub_ids");
            // a known id is still answered; a publication without id is not limited
            assertThat(request(pub, 1000, "{\"type\":\"pub\",\"id\":1000,\"ack\":true,\"topic\":\"cap.t\",\"pub_id\":\"c-1\",\"data\":1}")
                    .path("data").path("offset").asLong()).isEqualTo(1);
            assertThat(request(pub, 1001, "{\"type\":\"pub\",\"id\":1001,\"ack\":true,\"topic\":\"cap.t\",\"data\":-1}")
                    .path("type").asText()).isEqualTo("result");
            for (int i = 1; i < n; i++) {
                assertThat(sub.nextJson().path("data").asInt()).isEqualTo(i);
            }
            assertThat(sub.nextJson().path("data").asInt()).as("the refused publications were not made").isEqualTo(-1);
        }
    }
}
