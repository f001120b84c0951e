package dev.ferry.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Per-topic sockets at /v1/topics/a/b/c. */
class TopicSocketTest {
    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension();

    private static URI topic(String path) {
        return URI.create("ws://127.0.0.1:" + server.port() + "/v1/topics/" + path);
    }

    @Test
    void sendPublishesAndEverySocketOfTheTopicReceives() throws Exception {
        try (WsTestClient a = WsTestClient.plain(topic("room/one"));
                WsTestClient b = WsTestClient.plain(topic("room/one"));
                WsTestClient f = WsTestClient.connect(server.wsUri())) {
            f.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"room.one\"}");
            f.nextJson();
            a.send("hi there");
            assertThat(a.nextText()).isEqualTo("hi there");
            assertThat(b.nextText()).isEqualTo("hi there");
            assertThat(f.nextJson().path("data").asText()).isEqualTo("hi there");

            b.send("{\"x\":true}");
            assertThat(a.nextText()).isEqualTo("{\"x\":true}");
            assertThat(f.nextJson().path("data").path("x").asBoolean()).isTrue();

            b.sendBinary("raw".getBytes(StandardCharsets.UTF_8));
            assertThat(a.next().binary()).isEqualTo("raw".getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void wildcardPathsSubscribeAndRefuseToPublish() throws Exception {
        try (WsTestClient star = WsTestClient.plain(topic("wild/%2A"));
                WsTestClient rawStar = WsTestClient.plain(topic("wild/*"));
                WsTestClient hash = WsTestClient.plain(topic("%23"));
                WsTestClient pub = WsTestClient.plain(topic("wild/x"))) {
            pub.send("1");
            assertThat(pub.nextText()).isEqualTo("1");
            assertThat(star.nextText()).isEqualTo("1");
            assertThat(rawStar.nextText()).isEqualTo("1");
            assertThat(hash.nextText()).isEqualTo("1");
            star.send("nope");
            WsTestClient.Received close = star.awaitClose();
            assertThat(close.closeCode()).isEqualTo(4004);
            assertThat(close.closeReason()).contains("subscribe-only");
        }
    }

    @Test
    void badPathsAreRefusedBeforeTheUpgrade() {
        for (String bad : new String[] {"a//b", "a/b.c", "a/", "a/b*", "a/%2E"}) {
            WsTestClient.Refusal r = WsTestClient.refused(topic(bad), Map.of());
            assertThat(r.status()).as(bad).isEqualTo(400);
        }
    }
}
