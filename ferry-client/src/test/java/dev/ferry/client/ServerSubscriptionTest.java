package dev.ferry.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.config.ApiKeyConfig;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.FerryServerExtension;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Java client hands what the server subscribes it to on its own to its ServerSubscriptionListener. */
class ServerSubscriptionTest {
    static final String OPS = "ops-key-0123456789abcdef";

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c
            .withHttp(new HttpConfig(List.of(), 1 << 16, List.of(new ApiKeyConfig("ops", OPS, List.of("admin #"))))));

    static final HttpClient http = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode admin(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.http(path)).header("Authorization", "Bearer " + OPS);
        b = body == null ? b.GET() : b.header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static String next(BlockingQueue<String> q) throws InterruptedException {
        String s = q.poll(60, TimeUnit.SECONDS);
        assertThat(s).as("an event within 60 s").isNotNull();
        return s;
    }

    @Test
    void serverSubscriptionsReachTheListener() throws Exception {
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        ServerSubscriptionListener listener = new ServerSubscriptionListener() {
            @Override
            public void onSubscribed(String pattern) {
                events.add("sub " + pattern);
            }

            @Override
            public void onUnsubscribed(String pattern) {
                events.add("unsub " + pattern);
            }

            @Override
            public void onMessage(Message message) {
                events.add("msg " + message.topic() + " " + message.data());
            }
        };
        try (FerryClient client = FerryClient.builder().uri(server.wsUri()).serverSubscriptions(listener).connect()) {
            String id = Await.value("the client's connection", Await.DEFAULT,
                    () -> admin("GET", "/v1/admin/connections?transport=ws", null).path("connections"),
                    list -> list.size() == 1).get(0).path("id").asText();
            admin("POST", "/v1/admin/connections/" + id + "/subscribe", "{\"pattern\":\"alerts.*\"}");
            assertThat(next(events)).isEqualTo("sub alerts.*");
            admin("POST", "/v1/admin/broadcast", "{\"topics\":[\"alerts.fire\",\"other.x\"],\"data\":{\"level\":3}}");
            assertThat(next(events)).isEqualTo("msg alerts.fire {\"level\":3}");
            admin("POST", "/v1/admin/connections/" + id + "/unsubscribe", "{\"pattern\":\"alerts.*\"}");
            assertThat(next(events)).isEqualTo("unsub alerts.*");
            BlockingQueue<String> own = new LinkedBlockingQueue<>();
            client.subscribe("alerts.*", m -> own.add(m.topic())).get(60, TimeUnit.SECONDS);
            admin("POST", "/v1/admin/broadcast", "{\"topics\":[\"alerts.fire\"],\"data\":2}");
            assertThat(next(own)).isEqualTo("alerts.fire");
            assertThat(events).as("the listener has nothing of the client's own subscription").isEmpty();
        }
    }
}
