package dev.ferry.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.config.HistoryConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** History and recovery: a client that comes back with its position gets what it missed, then live, seamlessly. */
class RecoveryTest {
    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c.withHistory(
            new HistoryConfig(50, Duration.ofMinutes(5), 30, List.of("ticks.#"),
                    List.of(new HistoryConfig.Rule("short", "short.#", 5, Duration.ofMinutes(5))))));

    private static void publish(WsTestClient pub, String topic, int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i <= to; i++) {
            b.append("{\"type\":\"pub\",\"topic\":\"").append(topic).append("\",\"data\":").append(i).append("}\n");
        }
        pub.send(b.toString());
        pub.send("{\"type\":\"ping\",\"id\":1}");
        pub.nextJson(n -> n.path("type").asText().equals("pong"));
    }

    @Test
    void subWithSinceReplaysWhatWasMissedThenGoesLive() {
        try (WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            String epoch;
            try (WsTestClient first = WsTestClient.connect(server.wsUri())) {
                first.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"rec.a\"}");
                assertThat(first.nextJson().path("data").toString()).isEqualTo("{\"topic\":\"rec.a\",\"offset\":0}");
                publish(pub, "rec.a", 1, 3);
                JsonNode m = null;
                for (int i = 1; i <= 3; i++) {
                    m = first.nextJson();
                }
                assertThat(m.path("offset").asLong()).isEqualTo(3);
                epoch = m.path("epoch").asText();
            }
            publish(pub, "rec.a", 4, 8); // missed while away
            try (WsTestClient back = WsTestClient.connect(server.wsUri())) {
                back.send("{\"type\":\"sub\",\"id\":2,\"topic\":\"rec.a\",\"since\":{\"offset\":3,\"epoch\":\"" + epoch + "\"}}");
                JsonNode result = back.nextJson();
                assertThat(result.path("data").toString())
                        .isEqualTo("{\"topic\":\"rec.a\",\"epoch\":\"" + epoch + "\",\"offset\":8,\"recovered\":true}");
                for (int i = 4; i <= 8; i++) {
                    JsonNode m = back.nextJson();
                    assertThat(m.path("offset").asLong()).isEqualTo(i);
                    assertThat(m.path("data").asInt()).isEqualTo(i);
                }
                publish(pub, "rec.a", 9, 9);
                assertThat(back.nextJson().path("offset").asLong()).isEqualTo(9);
            }
        }
    }

    @Test
    void notRecoveredWhenTooOldOrEpochChangedAndPagedWhenLargerThanMaxRecovery() {
        try (WsTestClient pub = WsTestClient.connect(server.wsUri()); WsTestClient c = WsTestClient.connect(server.wsUri())) {
            publish(pub, "old.t", 1, 80); // history keeps 50: offsets 31..80
            c.send("{\"type\":\"history\",\"id\":9,\"topic\":\"old.t\",\"limit\":1}");
            String epoch = c.nextJson().path("data").path("epoch").asText();
            c.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"old.t\",\"since\":{\"offset\":10,\"epoch\":\"" + epoch + "\"}}");
            JsonNode r = c.nextJson();
            assertThat(r.path("data").path("recovered").asBoolean()).isFalse();
            assertThat(r.path("data").path("offset").asLong()).isEqualTo(80);
            c.send("{\"type\":\"unsub\",\"id\":2,\"topic\":\"old.t\"}");
            c.nextJson();
            c.send("{\"type\":\"sub\",\"id\":3,\"topic\":\"old.t\",\"since\":{\"offset\":70,\"epoch\":\"not-" + epoch + "\"}}");
            assertThat(c.nextJson().path("data").path("recovered").asBoolean()).isFalse();
            c.send("{\"type\":\"unsub\",\"id\":4,\"topic\":\"old.t\"}");
            c.nextJson();
            // 40 missing but history.max-recovery is 30: replayed in two pages (30, then 10)
            c.send("{\"type\":\"sub\",\"id\":5,\"topic\":\"old.t\",\"since\":{\"offset\":40,\"epoch\":\"" + epoch + "\"}}");
            assertThat(c.nextJson().path("data").path("recovered").asBoolean()).isTrue();
            for (int i = 41; i <= 80; i++) {
                assertThat(c.nextJson().path("offset").asLong()).isEqualTo(i);
            }
            c.send("{\"type\":\"unsub\",\"id\":6,\"topic\":\"old.t\"}");
            c.nextJson();
            c.send("{\"type\":\"sub\",\"id\":7,\"topic\":\"old.t\",\"since\":{\"offset\":60,\"epoch\":\"" + epoch + "\"}}");
            assertThat(c.nextJson().path("data").path("recovered").asBoolean()).isTrue();
            assertThat(c.nextJson().path("offset").asLong()).isEqualTo(61);
        }
    }

    @Test
    void patternSubscriptionRecoversEachListedTopic() {
        try (WsTestClient pub = WsTestClient.connect(server.wsUri()); WsTestClient c = WsTestClient.connect(server.wsUri())) {
            publish(pub, "multi.a", 1, 2);
            publish(pub, "multi.b", 1, 3);
            c.send("{\"type\":\"history\",\"id\":8,\"topic\":\"multi.a\",\"limit\":1}");
            String ea = c.nextJson().path("data").path("epoch").asText();
            c.send("{\"type\":\"history\",\"id\":9,\"topic\":\"multi.b\",\"limit\":1}");
            String eb = c.nextJson().path("data").path("epoch").asText();
            c.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"multi.*\",\"since\":[{\"topic\":\"multi.a\",\"offset\":1,\"epoch\":\"" + ea + "\"},"
                    + "{\"topic\":\"multi.b\",\"offset\":2,\"epoch\":\"" + eb + "\"}]}");
            JsonNode r = c.nextJson();
            assertThat(r.path("data").path("positions").size()).isEqualTo(2);
            assertThat(r.path("data").path("positions").get(0).path("recovered").asBoolean()).isTrue();
            JsonNode m1 = c.nextJson();
            JsonNode m2 = c.nextJson();
            assertThat(m1.path("topic").asText() + ":" + m1.path("offset").asLong()).isEqualTo("multi.a:2");
            assertThat(m2.path("topic").asText() + ":" + m2.path("offset").asLong()).isEqualTo("multi.b:3");
            c.send("{\"type\":\"sub\",\"id\":2,\"topic\":\"other.*\",\"since\":[{\"topic\":\"multi.a\",\"offset\":1}]}");
            assertThat(c.nextJson().path("code").asText()).isEqualTo("bad_topic");
            c.send("{\"type\":\"sub\",\"id\":3,\"topic\":\"multi.*\",\"since\":[{\"offset\":1}]}");
            assertThat(c.nextJson().path("code").asText()).isEqualTo("missing_field");
        }
    }

    @Test
    void historyPagesForwardAndReverse() {
        try (WsTestClient pub = WsTestClient.connect(server.wsUri()); WsTestClient c = WsTestClient.connect(server.wsUri())) {
            publish(pub, "hist.t", 1, 10);
            c.send("{\"type\":\"history\",\"id\":1,\"topic\":\"hist.t\",\"after\":3,\"limit\":4}");
            JsonNode page = c.nextJson().path("data");
            assertThat(page.path("offset").asLong()).isEqualTo(10);
            assertThat(page.path("first").asLong()).isEqualTo(1);
            assertThat(page.path("items").findValuesAsText("offset")).containsExactly("4", "5", "6", "7");
            assertThat(page.path("items").get(0).path("data").asInt()).isEqualTo(4);
            c.send("{\"type\":\"history\",\"id\":2,\"topic\":\"hist.t\",\"reverse\":true,\"limit\":3}");
            assertThat(c.nextJson().path("data").path("items").findValuesAsText("offset")).containsExactly("10", "9", "8");
            c.send("{\"type\":\"history\",\"id\":3,\"topic\":\"hist.t\",\"reverse\":true,\"before\":3}");
            assertThat(c.nextJson().path("data").path("items").findValuesAsText("offset")).containsExactly("2", "1");
            c.send("{\"type\":\"history\",\"id\":4,\"topic\":\"hist.*\"}");
            assertThat(c.nextJson().path("code").asText()).isEqualTo("bad_topic");
            c.send("{\"type\":\"history\",\"id\":5,\"topic\":\"never.published\"}");
            assertThat(c.nextJson().path("data").toString())
                    .isEqualTo("{\"topic\":\"never.published\",\"offset\":0,\"first\":1,\"items\":[]}");
        }
    }

    @Test
    void lossyTopicsKeepNoHistory() {
        try (WsTestClient pub = WsTestClient.connect(server.wsUri()); WsTestClient c = WsTestClient.connect(server.wsUri())) {
            publish(pub, "ticks.eur", 1, 5);
            c.send("{\"type\":\"history\",\"id\":1,\"topic\":\"ticks.eur\"}");
            JsonNode page = c.nextJson().path("data");
            assertThat(page.path("offset").asLong()).isEqualTo(5);
            assertThat(page.path("items").size()).isZero();
        }
    }

    @Test
    void aRuleGivesTheTopicsOfItsPatternTheirOwnLimits() {
        try (WsTestClient pub = WsTestClient.connect(server.wsUri()); WsTestClient c = WsTestClient.connect(server.wsUri())) {
            publish(pub, "short.t", 1, 10);
            publish(pub, "long.t", 1, 10);
            c.send("{\"type\":\"history\",\"id\":1,\"topic\":\"short.t\"}");
            JsonNode shortPage = c.nextJson().path("data");
            assertThat(shortPage.path("first").asLong()).isEqualTo(6); // the rule keeps 5
            assertThat(shortPage.path("items").size()).isEqualTo(5);
            c.send("{\"type\":\"history\",\"id\":2,\"topic\":\"long.t\"}");
            assertThat(c.nextJson().path("data").path("first").asLong()).isEqualTo(1); // the default keeps 50
        }
    }
}
