package dev.ferry.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.protocol.CloseCodes;
import dev.ferry.server.config.LimitsConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.SseTestClient;
import dev.ferry.server.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code limits.publish-rate} is per connection on every transport a client publishes through, each answering in
 * its own way (docs/security.md, "Limits"): ferry.v1 and fallback sessions {@code rate_limited}, the multiplexer
 * {@code err} + {@code uns}, a per-topic socket close 4010, WAMP {@code ERROR} {@code ferry.error.rate_limited}.
 * The rate here is 1 per second with a burst of 2, and each client sends 6 publications at once (WAMP, one message
 * per publication, 20 in a row): at least one is refused however slow the machine.
 */
class PublishRateTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final int SENT = 6;

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c
            .withLimits(new LimitsConfig(1, 2, 0, 0, 1000, 0)));

    @Test
    void ferryV1AnswersRateLimitedAndTheConnectionStaysOpen() {
        try (WsTestClient c = WsTestClient.connect(server.wsUri())) {
            StringBuilder batch = new StringBuilder();
            for (int i = 1; i <= SENT; i++) {
                batch.append("{\"type\":\"pub\",\"id\":").append(i).append(",\"topic\":\"rate.ws\",\"data\":1,\"ack\":true}\n");
            }
            c.send(batch.toString());
            int limited = 0;
            for (int i = 0; i < SENT; i++) {
                JsonNode n = c.nextJson();
                if (!n.path("type").asText().equals("result")) {
                    assertThat(n.path("code").asText()).isEqualTo("rate_limited");
                    assertThat(n.path("message").asText()).isEqualTo("publish rate exceeded (limits.publish-rate)");
                    assertThat(n.path("data").path("action").asText()).isEqualTo("publish");
                    limited++;
                }
            }
            assertThat(limited).isBetween(1, SENT - 2);
            c.send("{\"type\":\"ping\",\"id\":99}");
            assertThat(c.nextJson().path("type").asText()).isEqualTo("pong");
        }
    }

    @Test
    void aMultiplexerChannelIsRefusedWithRateLimitedThenClosed() throws Exception {
        try (WsTestClient mux = WsTestClient.plain(ws("/v1/multiplex"))) {
            mux.send("sub,rate.mux");
            assertThat(mux.nextText()).isEqualTo("sub,rate.mux");
            for (int i = 0; i < SENT; i++) {
                mux.send("msg,rate.mux,m" + i);
            }
            String text;
            while ((text = mux.nextText()).startsWith("msg,")) {
                assertThat(text).startsWith("msg,rate.mux,m"); // what it published before the refusal, if in time
            }
            assertThat(text).startsWith("err,rate.mux,");
            JsonNode err = JSON.readTree(text.substring("err,rate.mux,".length()));
            assertThat(err.path("code").asText()).isEqualTo("rate_limited");
            assertThat(err.path("data").path("action").asText()).isEqualTo("publish");
            assertThat(mux.nextText()).isEqualTo("uns,rate.mux");
        }
    }

    @Test
    void aPerTopicSocketIsClosedWith4010() {
        try (WsTestClient socket = WsTestClient.plain(ws("/v1/topics/rate/socket"))) {
            for (int i = 0; i < SENT; i++) {
                socket.send("m" + i);
            }
            WsTestClient.Received m;
            while (!(m = socket.next()).isClose()) {
                assertThat(m.text()).startsWith("m"); // its own publications, before the close
            }
            assertThat(m.closeCode()).isEqualTo(CloseCodes.RATE_LIMIT_EXCEEDED);
            assertThat(m.closeReason()).isEqualTo("rate limit exceeded: publish");
        }
    }

    @Test
    void aFallbackSessionAnswersRateLimited() throws Exception {
        HttpResponse<String> opened = HTTP.send(HttpRequest.newBuilder(server.http("/v1/session"))
                .POST(HttpRequest.BodyPublishers.ofString("")).build(), HttpResponse.BodyHandlers.ofString());
        String session = JSON.readTree(opened.body()).path("session").asText();
        try (SseTestClient events = SseTestClient.open(server.http("/v1/session/" + session + "/events"), (String) null)) {
            StringBuilder batch = new StringBuilder();
            for (int i = 1; i <= SENT; i++) {
                batch.append("{\"type\":\"pub\",\"id\":").append(i).append(",\"topic\":\"rate.fb\",\"data\":1,\"ack\":true}\n");
            }
            HttpResponse<String> posted = HTTP.send(HttpRequest.newBuilder(server.http("/v1/session/" + session))
                    .header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString(batch.toString())).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(posted.statusCode()).isEqualTo(202);
            int limited = 0;
            for (int i = 0; i < SENT; i++) {
                JsonNode f = JSON.readTree(events.next().data());
                if (f.path("type").asText().equals("error")) {
                    assertThat(f.path("code").asText()).isEqualTo("rate_limited");
                    assertThat(f.path("data").path("action").asText()).isEqualTo("publish");
                    limited++;
                } else {
                    assertThat(f.path("type").asText()).isEqualTo("result");
                }
            }
            assertThat(limited).isBetween(1, SENT - 2);
        }
    }

    @Test
    void aWampSessionAnswersRateLimited() {
        int sent = 20;
        try (WsTestClient wamp = WsTestClient.plain(ws("/v1/wamp"), java.util.Map.of(), "wamp.2.json")) {
            wamp.send("[1,\"realm1\",{\"roles\":{\"publisher\":{}}}]");
            assertThat(wamp(wamp).get(0).asInt()).as("WELCOME").isEqualTo(2);
            for (int i = 1; i <= sent; i++) {
                wamp.send("[16," + i + ",{\"acknowledge\":true},\"rate.wamp\",[" + i + "]]");
            }
            int limited = 0;
            for (int i = 0; i < sent; i++) {
                JsonNode m = wamp(wamp);
                if (m.get(0).asInt() == 8) { // ERROR
                    assertThat(m.get(1).asInt()).as("of a PUBLISH").isEqualTo(16);
                    assertThat(m.get(4).asText()).isEqualTo("ferry.error.rate_limited");
                    limited++;
                } else {
                    assertThat(m.get(0).asInt()).as("PUBLISHED: " + m).isEqualTo(17);
                }
            }
            assertThat(limited).isBetween(1, sent - 2);
        }
    }

    private static JsonNode wamp(WsTestClient c) {
        try {
            return JSON.readTree(c.nextText());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static URI ws(String path) {
        return URI.create("ws://127.0.0.1:" + server.port() + path);
    }
}
