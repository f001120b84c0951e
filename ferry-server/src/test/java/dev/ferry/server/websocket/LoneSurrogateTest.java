package dev.ferry.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A frame holding a lone UTF-16 surrogate (an escaped {@code \ud800} in any string) is refused at decode as
 * {@code bad_frame}: it gets exactly one answer, nothing of it is stored or relayed, and the connection stays
 * usable. Each test ends with a {@code ping}: the frames before its {@code pong} are all the answers there were.
 */
class LoneSurrogateTest {
    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension();

    private static final String LONE = "\\ud800"; // as it stands in JSON text: an escape, not a Java char

    /** The frames received up to and including the {@code pong} to a ping sent now with {@code pingId}. */
    private static List<JsonNode> untilPong(WsTestClient c, int pingId) {
        c.send("{\"type\":\"ping\",\"id\":" + pingId + "}");
        List<JsonNode> got = new ArrayList<>();
        JsonNode n;
        do {
            n = c.nextJson();
            got.add(n);
        } while (!(n.path("type").asText().equals("pong") && n.path("id").asLong() == pingId));
        return got;
    }

    @Test
    void aPubWithOneInItsTagsIsRefusedAndTakesNoOffsetSoRecoveryGetsEveryPublication() {
        try (WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            pub.send("{\"type\":\"pub\",\"id\":1,\"ack\":true,\"topic\":\"lone.tags\",\"data\":\"first\"}");
            JsonNode first = pub.nextJson();
            assertThat(first.path("type").asText()).isEqualTo("result");
            pub.send("{\"type\":\"pub\",\"id\":2,\"ack\":true,\"topic\":\"lone.tags\",\"data\":\"bad\",\"tags\":{\"k\":\"" + LONE + "\"}}");
            List<JsonNode> answers = untilPong(pub, 3);
            assertThat(answers).hasSize(2);
            assertThat(answers.get(0).path("type").asText()).isEqualTo("error");
            assertThat(answers.get(0).path("code").asText()).isEqualTo("bad_frame");
            assertThat(answers.get(0).path("id").asLong()).isEqualTo(2);
            pub.send("{\"type\":\"pub\",\"id\":4,\"ack\":true,\"topic\":\"lone.tags\",\"data\":\"second\"}");
            assertThat(pub.nextJson().path("data").path("offset").asLong()).isEqualTo(2);

            try (WsTestClient sub = WsTestClient.connect(server.wsUri())) {
                sub.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"lone.tags\",\"since\":{\"offset\":0,\"epoch\":\""
                        + epochOf(pub) + "\"}}");
                List<JsonNode> got = untilPong(sub, 2);
                assertThat(got).extracting(n -> n.path("type").asText()).containsExactly("result", "msg", "msg", "pong");
                assertThat(got.get(0).path("data").path("recovered").asBoolean()).isTrue();
                assertThat(got.subList(1, 3)).extracting(n -> n.path("data").asText()).containsExactly("first", "second");
            }
        }
    }

    /** The topic's epoch, read from a history query. */
    private static String epochOf(WsTestClient c) {
        c.send("{\"type\":\"history\",\"id\":99,\"topic\":\"lone.tags\"}");
        JsonNode r = c.nextJson(n -> n.path("id").asLong() == 99);
        return r.path("data").path("epoch").asText();
    }

    @Test
    void aCalleeReplyWithOneInItsErrorMessageLeavesTheCallerAnOutcome() {
        try (WsTestClient callee = WsTestClient.connect(server.wsUri());
             WsTestClient caller = WsTestClient.connect(server.wsUri())) {
            callee.send("{\"type\":\"register\",\"id\":1,\"proc\":\"lone.proc\"}");
            assertThat(callee.nextJson().path("type").asText()).isEqualTo("result");
            for (int i = 1; i <= 20; i++) {
                caller.send("{\"type\":\"call\",\"id\":" + i + ",\"proc\":\"lone.proc\",\"args\":" + i + ",\"timeout\":60000}");
                JsonNode invoke = callee.nextJson();
                assertThat(invoke.path("type").asText()).isEqualTo("invoke");
                long inv = invoke.path("id").asLong();
                callee.send("{\"type\":\"reply\",\"id\":" + inv + ",\"error\":{\"code\":\"oops\",\"message\":\"no " + LONE + "\"}}");
                List<JsonNode> calleeGot = untilPong(callee, 1000 + i);
                assertThat(calleeGot).hasSize(2);
                assertThat(calleeGot.get(0).path("code").asText()).isEqualTo("bad_frame");
                assertThat(calleeGot.get(0).path("id").asLong()).isEqualTo(inv);

                // the outcome is handed from the callee's event loop to the caller's: wait for it, then check with
                // a ping that nothing else came for the call (a second answer would also show in the next round)
                JsonNode outcome = caller.nextJson();
                assertThat(outcome.path("type").asText()).isEqualTo("error");
                assertThat(outcome.path("id").asLong()).isEqualTo(i);
                assertThat(outcome.path("code").asText()).isEqualTo("callee_error");
                assertThat(outcome.path("data").path("code").asText()).isEqualTo("bad_frame");
                assertThat(untilPong(caller, 1000 + i)).hasSize(1);
            }
            // a well-formed reply still works afterwards, on both connections
            caller.send("{\"type\":\"call\",\"id\":50,\"proc\":\"lone.proc\",\"args\":1}");
            long inv = callee.nextJson().path("id").asLong();
            callee.send("{\"type\":\"reply\",\"id\":" + inv + ",\"data\":\"fine\"}");
            JsonNode ok = caller.nextJson();
            assertThat(ok.path("type").asText()).isEqualTo("result");
            assertThat(ok.path("data").asText()).isEqualTo("fine");
        }
    }

    @Test
    void anUnknownTypeHoldingOneGetsOneErrorAndTheConnectionStaysOpen() {
        try (WsTestClient c = WsTestClient.connect(server.wsUri())) {
            c.send("{\"type\":\"x" + LONE + "\",\"id\":7}");
            List<JsonNode> got = untilPong(c, 8);
            assertThat(got).hasSize(2);
            assertThat(got.get(0).path("code").asText()).isEqualTo("bad_frame");
            assertThat(got.get(0).path("id").asLong()).isEqualTo(7);
            c.send("{\"type\":\"sub\",\"id\":9,\"topic\":\"lone.after\"}");
            assertThat(c.nextJson().path("type").asText()).isEqualTo("result");
        }
    }

    @Test
    void aSubscriberNeverSeesOne() {
        try (WsTestClient sub = WsTestClient.connect(server.wsUri());
             WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            sub.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"lone.live\"}");
            assertThat(sub.nextJson().path("type").asText()).isEqualTo("result");
            pub.send("{\"type\":\"pub\",\"id\":1,\"topic\":\"lone.live\",\"data\":{\"t\":\"" + LONE + "\"}}");
            pub.send("{\"type\":\"pub\",\"id\":2,\"topic\":\"lone.live\",\"data\":\"ok\"}");
            List<JsonNode> pubGot = untilPong(pub, 3);
            assertThat(pubGot).extracting(n -> n.path("code").asText("")).containsExactly("bad_frame", "");
            JsonNode msg = sub.nextJson();
            assertThat(msg.path("data").asText()).isEqualTo("ok");
            assertThat(msg.path("offset").asLong()).isEqualTo(1);
        }
    }
}
