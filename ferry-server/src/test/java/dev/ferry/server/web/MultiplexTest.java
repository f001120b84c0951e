package dev.ferry.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The multiplexer at /v1/multiplex, against a real server, with the JDK's WebSocket as the client. */
class MultiplexTest {
    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension();

    private static URI mux() {
        return URI.create("ws://127.0.0.1:" + server.port() + "/v1/multiplex");
    }

    private static WsTestClient ferrySubscriber(String pattern) {
        WsTestClient c = WsTestClient.connect(server.wsUri());
        c.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"" + pattern + "\"}");
        assertThat(c.nextJson().path("type").asText()).isEqualTo("result");
        return c;
    }

    @Test
    void channelsPublishAndReceiveWithTheDataMapping() {
        try (WsTestClient m = WsTestClient.plain(mux()); WsTestClient f = ferrySubscriber("mux.#")) {
            m.send("sub,mux.a").send("sub,mux.b");
            assertThat(m.nextText()).isEqualTo("sub,mux.a");
            assertThat(m.nextText()).isEqualTo("sub,mux.b");
            m.send("msg,mux.a,hello, world");
            assertThat(m.nextText()).isEqualTo("msg,mux.a,hello, world");
            JsonNode msg = f.nextJson();
            assertThat(msg.path("topic").asText()).isEqualTo("mux.a");
            assertThat(msg.path("data").isTextual()).isTrue();
            assertThat(msg.path("data").asText()).isEqualTo("hello, world");

            m.send("msg,mux.b,{\"n\": 1,\n \"s\":\"x\"}");
            assertThat(m.nextText()).isEqualTo("msg,mux.b,{\"n\": 1,  \"s\":\"x\"}");
            assertThat(f.nextJson().path("data").path("n").asInt()).isEqualTo(1);

            f.send("{\"type\":\"pub\",\"topic\":\"mux.a\",\"data\":[1,2]}");
            assertThat(m.nextText()).isEqualTo("msg,mux.a,[1,2]");
            f.send("{\"type\":\"pub\",\"topic\":\"mux.b\",\"data\":\"plain\"}");
            assertThat(m.nextText()).isEqualTo("msg,mux.b,plain");
        }
    }

    @Test
    void patternChannelsReceiveOverlappingChannelsEachGetACopyAndUnsStops() throws Exception {
        try (WsTestClient m = WsTestClient.plain(mux()); WsTestClient f = WsTestClient.connect(server.wsUri())) {
            m.send("sub,over.*").send("sub,over.x");
            // each sub is answered once its subscription is made
            assertThat(m.nextText()).isEqualTo("sub,over.*");
            assertThat(m.nextText()).isEqualTo("sub,over.x");
            assertThat(subscriptionsUnder("over")).isEqualTo(2);
            f.send("{\"type\":\"pub\",\"topic\":\"over.x\",\"data\":1}");
            assertThat(java.util.Set.of(m.nextText(), m.nextText())).containsExactlyInAnyOrder("msg,over.*,1", "msg,over.x,1");
            m.send("uns,over.*").send("uns,never.opened");
            Await.value("the pattern is unsubscribed", Await.DEFAULT, () -> subscriptionsUnder("over"), n -> n == 1);
            f.send("{\"type\":\"pub\",\"topic\":\"over.x\",\"data\":2}");
            assertThat(m.nextText()).isEqualTo("msg,over.x,2");
            assertThat(m.nothingWithin(Duration.ofMillis(200))).isTrue();
        }
    }

    @Test
    void channelNamesAreUnescapedAsTheWebsocketMultiplexClientEscapesThem() {
        try (WsTestClient m = WsTestClient.plain(mux())) {
            m.send("sub,esc.%23").send("sub,esc.caf%E9").send("sub,esc.%u65E5");
            assertThat(List.of(m.nextText(), m.nextText(), m.nextText())).containsExactly("sub,esc.%23", "sub,esc.caf%E9", "sub,esc.%u65E5");
            m.send("msg,esc.caf%E9,1");
            assertThat(java.util.Set.of(m.nextText(), m.nextText())).containsExactlyInAnyOrder("msg,esc.%23,1", "msg,esc.caf%E9,1");
            m.send("msg,esc.%u65E5,2");
            assertThat(java.util.Set.of(m.nextText(), m.nextText())).containsExactlyInAnyOrder("msg,esc.%23,2", "msg,esc.%u65E5,2");
            m.send("sub,esc.100%");
            assertThat(m.nextText()).startsWith("err,esc.100%,{\"code\":\"bad_topic\"");
        }
    }

    @Test
    void refusedChannelOperationsAnswerErrThenUns() {
        try (WsTestClient m = WsTestClient.plain(mux())) {
            m.send("sub,bad..name");
            assertThat(m.nextText()).startsWith("err,bad..name,{\"code\":\"bad_topic\"");
            assertThat(m.nextText()).isEqualTo("uns,bad..name");

            m.send("msg,not.open,x");
            assertThat(m.nextText()).startsWith("err,not.open,{\"code\":\"unknown_channel\"");
            assertThat(m.nextText()).isEqualTo("uns,not.open");

            m.send("sub,pat.#").send("msg,pat.#,x");
            assertThat(m.nextText()).isEqualTo("sub,pat.#");
            assertThat(m.nextText()).startsWith("err,pat.#,{\"code\":\"bad_topic\"").contains("is a pattern");
            assertThat(m.nextText()).isEqualTo("uns,pat.#");
        }
    }

    @Test
    void malformedFramesCloseWith4003() {
        for (String bad : new String[] {"nocomma", "xyz,chan", "msg,chan", "sub,", "msg,,data"}) {
            try (WsTestClient m = WsTestClient.plain(mux())) {
                m.send(bad);
                WsTestClient.Received close = m.awaitClose();
                assertThat(close.closeCode()).as(bad).isEqualTo(4003);
                assertThat(close.closeReason()).as(bad).startsWith("bad multiplex frame: ");
            }
        }
    }

    @Test
    void binaryMessagesCloseWith1003() {
        try (WsTestClient m = WsTestClient.plain(mux())) {
            m.sendBinary(new byte[] {1, 2});
            assertThat(m.awaitClose().closeCode()).isEqualTo(1003);
        }
    }

    @Test
    void withBinaryInTheUrlBinaryMessagesPublishBytesAndBinaryPublicationsArrive() throws Exception {
        try (WsTestClient m = WsTestClient.plain(URI.create(mux() + "?binary"));
             WsTestClient topic = WsTestClient.plain(URI.create("ws://127.0.0.1:" + server.port() + "/v1/topics/bin/t"))) {
            m.send("sub,bin.t");
            assertThat(m.nextText()).isEqualTo("sub,bin.t");
            m.sendBinary(concat("msg,bin.t,".getBytes(StandardCharsets.US_ASCII), new byte[] {0, 1, (byte) 0xff, ','}));
            assertThat(topic.next().binary()).containsExactly(0, 1, 0xff, ',');
            assertThat(m.next().binary()).isEqualTo(concat("msg,bin.t,".getBytes(StandardCharsets.US_ASCII), new byte[] {0, 1, (byte) 0xff, ','}));
            topic.sendBinary(new byte[] {7});
            assertThat(m.next().binary()).isEqualTo(concat("msg,bin.t,".getBytes(StandardCharsets.US_ASCII), new byte[] {7}));
            m.sendBinary("sub,bin.t,x".getBytes(StandardCharsets.US_ASCII));
            assertThat(m.awaitClose().closeCode()).isEqualTo(4003);
        }
    }

    @Test
    void withoutBinaryInTheUrlBinaryPublicationsAreNotDelivered() throws Exception {
        try (WsTestClient m = WsTestClient.plain(mux());
             WsTestClient topic = WsTestClient.plain(URI.create("ws://127.0.0.1:" + server.port() + "/v1/topics/nobin/t"))) {
            m.send("sub,nobin.t");
            assertThat(m.nextText()).isEqualTo("sub,nobin.t");
            topic.sendBinary(new byte[] {7});
            topic.send("after");
            assertThat(m.nextText()).isEqualTo("msg,nobin.t,after");
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @Test
    void closingTheSocketEndsItsSubscriptions() throws Exception {
        try (WsTestClient m = WsTestClient.plain(mux())) {
            m.send("sub,gone.a").send("sub,gone.b").send("msg,gone.a,x");
            assertThat(List.of(m.nextText(), m.nextText())).containsExactly("sub,gone.a", "sub,gone.b");
            assertThat(m.nextText()).isEqualTo("msg,gone.a,x");
            assertThat(server.server().metrics().subscriptions()).isGreaterThanOrEqualTo(2);
            assertThat(subscriptionsUnder("gone")).isEqualTo(2);
        }
        Await.value("the closed socket's subscriptions are gone", Await.DEFAULT, () -> subscriptionsUnder("gone"),
                n -> n == 0);
    }

    /** Subscriptions at or under {@code prefix} (topics and patterns), from the topic index. */
    private static int subscriptionsUnder(String prefix) throws Exception {
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(server.http("/v1/topics?prefix=" + prefix)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).path("total").asInt();
    }
}
