package dev.ferry.server.engine;

import static dev.ferry.server.testing.Prometheus.scrape;
import static dev.ferry.server.testing.Prometheus.value;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.config.LimitsConfig;
import dev.ferry.server.testing.FerryServerExtension;
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
 * {@code limits.max-topics} against a real server: one topic more is refused with {@code too_many_topics} on every
 * transport a client publishes through, nothing is published, and {@code /metrics} counts it.
 */
class TopicLimitTest {
    private static final String KEY = "topic-limit-key-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c
            .withLimits(new LimitsConfig(0, 0, 0, 0, 1000, 0, 0, 0, 0, 2))
            .withHttp(new HttpConfig(List.of(KEY), 4096)));

    @Test
    void everyTransportAnswersTooManyTopicsOnceTheLimitIsReached() throws Exception {
        try (WsTestClient sub = WsTestClient.connect(server.wsUri()); WsTestClient ws = WsTestClient.connect(server.wsUri())) {
            sub.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"lim.#\"}");
            assertThat(sub.nextJson().path("type").asText()).isEqualTo("result");
            for (int i = 1; i <= 2; i++) {
                ws.send("{\"type\":\"pub\",\"id\":" + (10 + i) + ",\"ack\":true,\"topic\":\"lim.t" + i + "\",\"data\":" + i + "}");
                assertThat(ws.nextJson().path("type").asText()).isEqualTo("result");
                assertThat(sub.nextJson().path("topic").asText()).isEqualTo("lim.t" + i);
            }
            String metrics = scrape(server.port());
            assertThat(value(metrics, "ferry_topics")).isEqualTo(2);
            double refusedBefore = value(metrics, "ferry_topics_refused_total");

            // ferry.v1, acknowledged or not: an error either way, since nothing was published
            ws.send("{\"type\":\"pub\",\"id\":20,\"ack\":true,\"topic\":\"lim.ws\",\"data\":1}");
            JsonNode e = ws.nextJson();
            assertThat(e.path("id").asLong()).isEqualTo(20);
            assertThat(e.path("code").asText()).isEqualTo("too_many_topics");
            ws.send("{\"type\":\"pub\",\"id\":21,\"topic\":\"lim.ws\",\"data\":1}");
            assertThat(ws.nextJson().path("id").asLong()).isEqualTo(21);

            // HTTP publish
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(server.http("/v1/publish/lim.http"))
                    .header("Authorization", "Bearer " + KEY)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("1")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(JSON.readTree(r.body()).path("code").asText()).as(r.body()).isEqualTo("too_many_topics");

            // the multiplexer: err then uns on the channel
            try (WsTestClient mux = WsTestClient.plain(ws("/v1/multiplex"))) {
                mux.send("sub,lim.mux");
                mux.send("msg,lim.mux,hello");
                assertThat(mux.nextText()).isEqualTo("sub,lim.mux");
                String err = mux.nextText();
                assertThat(err).startsWith("err,lim.mux,");
                assertThat(JSON.readTree(err.substring("err,lim.mux,".length())).path("code").asText()).isEqualTo("too_many_topics");
                assertThat(mux.nextText()).isEqualTo("uns,lim.mux");
            }

            // a per-topic socket: closed with 1013
            try (WsTestClient socket = WsTestClient.plain(ws("/v1/topics/lim/socket"))) {
                socket.send("hello");
                WsTestClient.Received closed = socket.awaitClose();
                assertThat(closed.closeCode()).isEqualTo(1013);
                assertThat(closed.closeReason()).startsWith("too_many_topics");
            }

            // the fallback session speaks ferry.v1: the same error frame
            HttpResponse<String> opened = HTTP.send(HttpRequest.newBuilder(server.http("/v1/session"))
                    .POST(HttpRequest.BodyPublishers.ofString("")).build(), HttpResponse.BodyHandlers.ofString());
            String session = JSON.readTree(opened.body()).path("session").asText();
            try (var events = dev.ferry.server.testing.SseTestClient.open(server.http("/v1/session/" + session + "/events"), (String) null)) {
                HttpResponse<String> posted = HTTP.send(HttpRequest.newBuilder(server.http("/v1/session/" + session))
                        .header("Content-Type", "text/plain")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"pub\",\"id\":5,\"topic\":\"lim.fb\",\"data\":1}\n"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(posted.statusCode()).isEqualTo(202);
                JsonNode fe = JSON.readTree(events.next().data());
                assertThat(fe.path("type").asText()).isEqualTo("error");
                assertThat(fe.path("code").asText()).isEqualTo("too_many_topics");
            }

            assertThat(sub.nothingWithin(Duration.ofMillis(200))).as("no refused publication reached the subscriber").isTrue();
            metrics = scrape(server.port());
            assertThat(value(metrics, "ferry_topics")).isEqualTo(2);
            assertThat(value(metrics, "ferry_topics_refused_total")).isEqualTo(refusedBefore + 6);

            // held topics still take publications
            ws.send("{\"type\":\"pub\",\"id\":30,\"ack\":true,\"topic\":\"lim.t1\",\"data\":3}");
            assertThat(ws.nextJson().path("data").path("offset").asLong()).isEqualTo(2);
            assertThat(sub.nextJson().path("offset").asLong()).isEqualTo(2);
        }
    }

    private static URI ws(String path) {
        return URI.create("ws://127.0.0.1:" + server.port() + path);
    }
}
