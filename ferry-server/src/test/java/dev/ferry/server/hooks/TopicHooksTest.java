package dev.ferry.server.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.testing.WsTestClient;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The subscribe and publish hooks (docs/hooks.md) against the example backend, a real Python process: the
 * application refuses a subscription (ferry.v1 {@code subscribe_refused}), rewrites or refuses a publication on
 * ferry.v1, the HTTP API and the multiplexer, and a backend that is down meets each failure policy.
 */
class TopicHooksTest {
    private static final String API_KEY = "hooks-test-api-key-0123456789";
    private static ExampleBackend backend;
    private static FerryServer server;
    private static int downPort;

    @BeforeAll
    static void start() throws Exception {
        backend = ExampleBackend.start();
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            downPort = s.getLocalPort();
        }
        String down = "http://127.0.0.1:" + downPort + "/gone";
        server = FerryServer.builder().config(new ConfigLoader()
                .set("http.api-keys", API_KEY)
                .set("hooks.connect.url", backend.url("/ferry/connect"))
                .set("presence.rules.rooms.pattern", "room.*")
                .set("state.channels.boards.pattern", "room.board")
                .set("hooks.subscribe.rooms.pattern", "room.*")
                .set("hooks.subscribe.rooms.url", backend.url("/ferry/subscribe"))
                .set("hooks.subscribe.vault.pattern", "news.secret.*")
                .set("hooks.subscribe.vault.url", down)
                .set("hooks.publish.chat.pattern", "chat.#")
                .set("hooks.publish.chat.url", backend.url("/ferry/publish"))
                .set("hooks.publish.news.pattern", "news.#")
                .set("hooks.publish.news.url", down)
                .set("hooks.publish.news.failure-policy", "allow")
                .set("hooks.publish.vault.pattern", "vault.#")
                .set("hooks.publish.vault.url", down)
                .load()).host("127.0.0.1").port(0).build();
        server.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private static WsTestClient login(String user) throws Exception {
        WsTestClient c = WsTestClient.connect(server.webSocketUri(), Map.of("Cookie", backend.login(user)));
        assertThat(c.nextJson().path("type").asText()).isEqualTo("server_sub");
        return c;
    }

    private static HttpResponse<String> publish(String topic, String json) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + server.port() + "/v1/publish/" + topic))
                        .header("Authorization", "Bearer " + API_KEY).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theApplicationRefusesASubscription() throws Exception {
        try (WsTestClient bob = login("bob"); WsTestClient alice = login("alice")) {
            bob.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"room.staff\"}");
            assertThat(bob.nextJson().toString()).isEqualTo("{\"type\":\"error\",\"id\":1,\"code\":\"subscribe_refused\","
                    + "\"message\":\"room.staff is for members only\",\"data\":{\"code\":\"not_a_member\"}}");
            alice.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"room.staff\"}");
            assertThat(alice.nextJson().path("type").asText()).isEqualTo("result");
            // following a state channel is a subscription too (the backend knows no room "board")
            bob.send("{\"type\":\"state_sub\",\"id\":3,\"topic\":\"room.board\"}");
            assertThat(bob.nextJson().toString()).isEqualTo("{\"type\":\"error\",\"id\":3,\"code\":\"subscribe_refused\","
                    + "\"message\":\"room.board is for members only\",\"data\":{\"code\":\"not_a_member\"}}");
            bob.send("{\"type\":\"sub\",\"id\":2,\"topic\":\"room.lobby\"}");
            assertThat(bob.nextJson().path("type").asText()).isEqualTo("result");
            // a hook whose backend is down, with the default policy refuse
            bob.send("{\"type\":\"sub\",\"id\":4,\"topic\":\"news.secret.plans\"}");
            JsonNode e = bob.nextJson();
            assertThat(e.path("code").asText()).isEqualTo("hook_unavailable");
        }
    }

    private static WsTestClient plain(String pathAndQuery, String user) throws Exception {
        return WsTestClient.plain(URI.create("ws://127.0.0.1:" + server.port() + pathAndQuery),
                Map.of("Cookie", backend.login(user)));
    }

    @Test
    void theMultiplexerOpensAChannelOnlyOnceTheSubscribeHookAllowsIt() throws Exception {
        try (WsTestClient bob = plain("/v1/multiplex", "bob"); WsTestClient alice = plain("/v1/multiplex", "alice")) {
            // refused by the application: err then uns, as for every refused channel
            bob.send("sub,room.staff");
            assertThat(bob.nextText()).isEqualTo("err,room.staff,{\"code\":\"subscribe_refused\","
                    + "\"message\":\"room.staff is for members only\",\"data\":{\"code\":\"not_a_member\"}}");
            assertThat(bob.nextText()).isEqualTo("uns,room.staff");
            // a hook whose backend is down, with the default policy refuse
            bob.send("sub,news.secret.plans");
            assertThat(bob.nextText()).startsWith("err,news.secret.plans,{\"code\":\"hook_unavailable\",");
            assertThat(bob.nextText()).isEqualTo("uns,news.secret.plans");
            // a channel given up while its hook is asked is never opened, nor one asked for again and given up
            bob.send("sub,room.lobby");
            bob.send("uns,room.lobby");
            bob.send("sub,room.lobby");
            bob.send("uns,room.lobby");
            bob.send("sub,chat.x");
            assertThat(bob.nextText()).isEqualTo("sub,chat.x"); // no hook: at once
            bob.send("sub,room.staff");
            assertThat(bob.nextText()).startsWith("err,room.staff,");
            assertThat(bob.nextText()).isEqualTo("uns,room.staff");
            bob.send("sub,room.lobby");
            assertThat(bob.nextText()).isEqualTo("sub,room.lobby");
            alice.send("sub,room.staff");
            assertThat(alice.nextText()).isEqualTo("sub,room.staff");
            assertThat(publish("room.lobby", "{\"text\":\"for bob\"}").statusCode()).isEqualTo(200);
            assertThat(publish("room.staff", "{\"text\":\"for alice\"}").statusCode()).isEqualTo(200);
            assertThat(bob.nextText()).isEqualTo("msg,room.lobby,{\"text\":\"for bob\"}");
            assertThat(alice.nextText()).isEqualTo("msg,room.staff,{\"text\":\"for alice\"}");
        }
    }

    private static HttpResponse<java.io.InputStream> sse(String query, String user) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + server.port() + "/v1/sse?" + query))
                        .header("Cookie", backend.login(user)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
    }

    private static String body(HttpResponse<java.io.InputStream> r) throws Exception {
        try (java.io.InputStream in = r.body()) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Test
    void anSseStreamTheSubscribeHookRefusesIsAnsweredWithTheRefusal() throws Exception {
        // an EventSource reconnects after a dropped connection, but stops at an error status
        HttpResponse<java.io.InputStream> refused = sse("topic=chat.x&topic=room.staff", "bob");
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(body(refused)).isEqualTo("{\"code\":\"subscribe_refused\","
                + "\"message\":\"room.staff is for members only\",\"data\":{\"code\":\"not_a_member\"}}");
        HttpResponse<java.io.InputStream> down = sse("topic=news.secret.plans", "bob");
        assertThat(down.statusCode()).isEqualTo(502);
        assertThat(body(down)).startsWith("{\"code\":\"hook_unavailable\",");
        HttpResponse<java.io.InputStream> allowed = sse("topic=room.staff", "alice");
        try (java.io.InputStream in = allowed.body()) {
            assertThat(allowed.statusCode()).isEqualTo(200);
            assertThat(allowed.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
            byte[] first = new byte[12];
            assertThat(in.readNBytes(first, 0, first.length)).isEqualTo(first.length);
            assertThat(new String(first, java.nio.charset.StandardCharsets.UTF_8)).startsWith("id: ");
        }
    }

    @Test
    void aPerTopicSocketIsClosedWhenTheSubscribeHookRefusesIt() throws Exception {
        try (WsTestClient bob = plain("/v1/topics/room/staff", "bob")) {
            WsTestClient.Received close = bob.awaitClose();
            assertThat(close.closeCode()).isEqualTo(4006);
            assertThat(close.closeReason()).isEqualTo("subscribe_refused: room.staff is for members only");
        }
        try (WsTestClient bob = plain("/v1/topics/news/secret/plans", "bob")) {
            WsTestClient.Received close = bob.awaitClose();
            assertThat(close.closeCode()).isEqualTo(1013);
            assertThat(close.closeReason()).startsWith("hook_unavailable: the application did not answer the subscribe.vault hook");
        }
        try (WsTestClient alice = plain("/v1/topics/room/staff", "alice")) {
            // the upgrade was answered once the hook allowed the subscription: a publication from now on arrives
            assertThat(publish("room.staff", "{\"n\":1}").statusCode()).isEqualTo(200);
            String text = alice.nextText();
            assertThat(text).isEqualTo("{\"n\":1}");
        }
    }

    @Test
    void wampSubscriptionsAndPublicationsGoThroughTheHooksToo() throws Exception {
        try (WsTestClient w = WsTestClient.plain(URI.create("ws://127.0.0.1:" + server.port() + "/v1/wamp"),
                Map.of("Cookie", backend.login("hal")), "wamp.2.json")) {
            w.send("[1,\"realm1\",{\"roles\":{\"publisher\":{},\"subscriber\":{}}}]");
            assertThat(wamp(w).get(0).asInt()).isEqualTo(2); // WELCOME
            w.send("[32,1,{},\"room.staff\"]");
            JsonNode refused = wamp(w);
            assertThat(refused.toString()).startsWith("[8,32,1,").contains("\"ferry.error.subscribe_refused\"");
            w.send("[32,2,{},\"chat.general\"]");
            assertThat(wamp(w).get(0).asInt()).isEqualTo(33); // SUBSCRIBED
            w.send("[16,3,{\"acknowledge\":true},\"chat.general\",[],{\"no\":\"text\"}]");
            JsonNode pubRefused = wamp(w);
            assertThat(pubRefused.toString()).startsWith("[8,16,3,").contains("\"ferry.error.publish_refused\"");
        }
    }

    /** The next WAMP message of {@code w} as a JSON array. */
    private static JsonNode wamp(WsTestClient w) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(w.nextText());
    }

    @Test
    void theApplicationRewritesAPublicationOnEveryWayIn() throws Exception {
        try (WsTestClient carol = login("carol")) {
            carol.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"chat.general\"}");
            assertThat(carol.nextJson().path("type").asText()).isEqualTo("result");
            // ferry.v1: schema first (none here), then the hook, which masks a word
            carol.send("{\"type\":\"pub\",\"id\":2,\"topic\":\"chat.general\",\"ack\":true,\"data\":{\"text\":\"oh heck\"}}");
            JsonNode first = carol.nextJson(j -> j.path("type").asText().equals("msg"));
            assertThat(first.path("data").toString()).isEqualTo("{\"text\":\"oh ****\"}");
            // the HTTP API
            assertThat(publish("chat.general", "{\"text\":\"darn it\"}").statusCode()).isEqualTo(200);
            assertThat(carol.nextJson(j -> j.path("type").asText().equals("msg")).path("data").toString())
                    .isEqualTo("{\"text\":\"**** it\"}");
            // the multiplexer
            try (WsTestClient mux = WsTestClient.plain(URI.create("ws://127.0.0.1:" + server.port() + "/v1/multiplex"),
                    Map.of("Cookie", backend.login("dave")))) {
                mux.send("sub,chat.general");
                assertThat(mux.nextText()).isEqualTo("sub,chat.general");
                mux.send("msg,chat.general,{\"text\":\"what the heck\"}");
                assertThat(carol.nextJson(j -> j.path("type").asText().equals("msg")).path("data").toString())
                        .isEqualTo("{\"text\":\"what the ****\"}");
            }
        }
    }

    @Test
    void aConnectionsPublicationsReachTheHubInTheOrderSentWhateverTheirHooksTake() throws Exception {
        try (WsTestClient pete = login("pete"); WsTestClient olga = login("olga")) {
            pete.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"chat.order\"}");
            assertThat(pete.nextJson().path("type").asText()).isEqualTo("result");
            pete.send("{\"type\":\"sub\",\"id\":2,\"topic\":\"room.lobby\"}");
            assertThat(pete.nextJson().path("type").asText()).isEqualTo("result");
            // the backend holds the first answer 1.5 s and answers the third at once; room.lobby has no publish hook
            olga.send("{\"type\":\"pub\",\"id\":1,\"topic\":\"chat.order\",\"data\":{\"text\":\"one\",\"hold\":1.5}}");
            olga.send("{\"type\":\"pub\",\"id\":2,\"topic\":\"room.lobby\",\"data\":{\"text\":\"two\"}}");
            olga.send("{\"type\":\"pub\",\"id\":3,\"topic\":\"chat.order\",\"data\":{\"text\":\"three heck\"}}");
            for (String text : new String[] {"one", "two", "three ****"}) {
                assertThat(pete.nextJson(j -> j.path("type").asText().equals("msg")).path("data").path("text").asText())
                        .isEqualTo(text);
            }
            // while one waits, at most MAX_PUBLISH_WAITING in all wait: the next is refused with rate_limited
            int max = dev.ferry.server.connection.Connection.MAX_PUBLISH_WAITING;
            olga.send("{\"type\":\"pub\",\"id\":10,\"topic\":\"chat.order\",\"data\":{\"text\":\"held\",\"hold\":1.5}}");
            for (int i = 1; i <= max; i++) {
                olga.send("{\"type\":\"pub\",\"id\":" + (10 + i) + ",\"topic\":\"room.lobby\",\"data\":{\"text\":\"n" + i + "\"}}");
            }
            JsonNode refused = olga.nextJson(j -> j.path("type").asText().equals("error"));
            assertThat(refused.path("id").asInt()).isEqualTo(10 + max);
            assertThat(refused.path("code").asText()).isEqualTo("rate_limited");
            assertThat(refused.path("data").toString()).isEqualTo("{\"action\":\"publish\"}");
            assertThat(pete.nextJson(j -> j.path("type").asText().equals("msg")).path("data").path("text").asText())
                    .isEqualTo("held");
            for (int i = 1; i < max; i++) {
                assertThat(pete.nextJson(j -> j.path("type").asText().equals("msg")).path("data").path("text").asText())
                        .isEqualTo("n" + i);
            }
        }
    }

    @Test
    void theConnectAnswersInfoIsThePresenceInfo() throws Exception {
        try (WsTestClient quinn = login("quinn")) {
            quinn.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"room.lobby\"}");
            assertThat(quinn.nextJson().path("type").asText()).isEqualTo("result");
            quinn.send("{\"type\":\"presence\",\"id\":2,\"topic\":\"room.lobby\"}");
            JsonNode page = quinn.nextJson(j -> j.path("id").asInt() == 2);
            assertThat(page.toString()).contains("\"user\":\"quinn\",\"info\":{\"name\":\"Quinn\"}");
        }
    }

    @Test
    void theApplicationRefusesAPublication() throws Exception {
        try (WsTestClient erin = login("erin")) {
            erin.send("{\"type\":\"pub\",\"id\":1,\"topic\":\"chat.general\",\"data\":{\"no\":\"text\"}}");
            assertThat(erin.nextJson().toString()).isEqualTo("{\"type\":\"error\",\"id\":1,\"code\":\"publish_refused\","
                    + "\"message\":\"a chat message needs a text\",\"data\":{\"code\":\"no_text\"}}");
        }
        HttpResponse<String> api = publish("chat.general", "{\"no\":\"text\"}");
        assertThat(api.statusCode()).isEqualTo(403);
        assertThat(api.body()).isEqualTo("{\"code\":\"publish_refused\",\"message\":\"a chat message needs a text\","
                + "\"data\":{\"code\":\"no_text\"}}");
    }

    @Test
    void aPublishHookThatIsDownRefusesOrAllowsByPolicy() throws Exception {
        HttpResponse<String> refused = publish("vault.gold", "{\"n\":1}");
        assertThat(refused.statusCode()).isEqualTo(502);
        assertThat(refused.body()).contains("\"code\":\"hook_unavailable\"");
        try (WsTestClient frank = login("frank")) {
            frank.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"news.today\"}");
            assertThat(frank.nextJson().path("type").asText()).isEqualTo("result");
            assertThat(publish("news.today", "{\"n\":2}").statusCode()).isEqualTo(200);
            assertThat(frank.nextJson(j -> j.path("type").asText().equals("msg")).path("data").toString())
                    .isEqualTo("{\"n\":2}");
        }
    }
}
