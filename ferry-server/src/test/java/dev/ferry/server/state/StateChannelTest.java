package dev.ferry.server.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.protocol.state.JsonPatch;
import dev.ferry.server.config.AuthConfig;
import dev.ferry.server.config.HistoryConfig;
import dev.ferry.server.config.StateConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** State channels over ferry.v1 (docs/protocol.md §4.6), against a real server with independent clients. */
class StateChannelTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c
            .withHistory(new HistoryConfig(100, Duration.ofMinutes(5), 1000, List.of(),
                    List.of(new HistoryConfig.Rule("short", "short.#", 2, Duration.ofMinutes(5)))))
            .withState(new StateConfig(4096, true, List.of(
                    new StateConfig.Channel("docs", "doc.#", 4096),
                    new StateConfig.Channel("short", "short.#", 4096),
                    new StateConfig.Channel("tiny", "tiny.#", 40)))));

    @RegisterExtension
    static final FerryServerExtension guarded = new FerryServerExtension(c -> c
            .withAuth(new AuthConfig(true, "", true, Duration.ofSeconds(30), "ferry",
                    List.of("subscribe doc.# everyone", "all open.# everyone"), List.of()))
            .withState(new StateConfig(4096, false, List.of(new StateConfig.Channel("all", "#", 4096)))));

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s.replace('\'', '"'));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static JsonNode reply(WsTestClient c, int id) {
        return c.nextJson(n -> n.path("id").asInt() == id && (n.path("type").asText().equals("result")
                || n.path("type").asText().equals("error")));
    }

    private static JsonNode update(WsTestClient c, int id, String topic, String member, String patch) {
        c.send("{\"type\":\"state_update\",\"id\":" + id + ",\"topic\":\"" + topic + "\",\"" + member + "\":"
                + patch.replace('\'', '"') + "}");
        return reply(c, id);
    }

    private static JsonNode get(WsTestClient c, String topic) {
        c.send("{\"type\":\"state_get\",\"id\":900,\"topic\":\"" + topic + "\"}");
        return reply(c, 900);
    }

    @Test
    void subscriberGetsTheSnapshotThenEveryChangeAsAPatch() {
        try (WsTestClient reader = WsTestClient.connect(server.wsUri());
             WsTestClient writer = WsTestClient.connect(server.wsUri())) {
            reader.send("{\"type\":\"state_sub\",\"id\":1,\"topic\":\"doc.first\"}");
            JsonNode result = reader.nextJson();
            assertThat(result.path("type").asText()).isEqualTo("result");
            assertThat(result.path("data").path("version").asLong()).isZero();
            assertThat(result.path("data").path("recovered").asBoolean()).isFalse();
            JsonNode snapshot = reader.nextJson();
            assertThat(snapshot.path("type").asText()).isEqualTo("state");
            assertThat(snapshot.path("data")).isEqualTo(json("{}"));
            assertThat(snapshot.path("version").asLong()).isZero();

            JsonNode r1 = update(writer, 1, "doc.first", "merge", "{'title':'hello','tags':['a']}");
            assertThat(r1.path("type").asText()).isEqualTo("result");
            assertThat(r1.path("data").path("version").asLong()).isEqualTo(1);
            String epoch = r1.path("data").path("epoch").asText();
            JsonNode p1 = reader.nextJson();
            assertThat(p1.path("type").asText()).isEqualTo("state_patch");
            assertThat(p1.path("version").asLong()).isEqualTo(1);
            assertThat(p1.path("epoch").asText()).isEqualTo(epoch);
            assertThat(p1.path("patch")).isEqualTo(json(
                    "[{'op':'add','path':'/title','value':'hello'},{'op':'add','path':'/tags','value':['a']}]"));

            update(writer, 2, "doc.first", "patch", "[{'op':'add','path':'/tags/-','value':'b'},{'op':'remove','path':'/title'}]");
            JsonNode p2 = reader.nextJson();
            assertThat(p2.path("version").asLong()).isEqualTo(2);
            assertThat(p2.path("patch")).isEqualTo(json("[{'op':'add','path':'/tags/-','value':'b'},{'op':'remove','path':'/title'}]"));

            update(writer, 3, "doc.first", "merge", "{'tags':null,'n':{'deep':1}}");
            JsonNode p3 = reader.nextJson();
            assertThat(p3.path("patch")).isEqualTo(json("[{'op':'remove','path':'/tags'},{'op':'add','path':'/n','value':{'deep':1}}]"));

            JsonNode now = get(writer, "doc.first");
            assertThat(now.path("data").path("data")).isEqualTo(json("{'n':{'deep':1}}"));
            assertThat(now.path("data").path("version").asLong()).isEqualTo(3);
            assertThat(now.path("data").path("epoch").asText()).isEqualTo(epoch);
        }
    }

    @Test
    void lateJoinerCatchesUpWithOneSnapshot() throws Exception {
        try (WsTestClient writer = WsTestClient.connect(server.wsUri())) {
            for (int i = 1; i <= 20; i++) {
                update(writer, i, "doc.late", "merge", "{'n':" + i + ",'k" + i + "':true}");
            }
            try (WsTestClient late = WsTestClient.connect(server.wsUri())) {
                late.send("{\"type\":\"state_sub\",\"id\":1,\"topic\":\"doc.late\"}");
                assertThat(late.nextJson().path("data").path("version").asLong()).isEqualTo(20);
                JsonNode snapshot = late.nextJson();
                assertThat(snapshot.path("type").asText()).isEqualTo("state");
                assertThat(snapshot.path("version").asLong()).isEqualTo(20);
                assertThat(snapshot.path("data").path("n").asInt()).isEqualTo(20);
                assertThat(snapshot.path("data").size()).isEqualTo(21);
                assertThat(late.nothingWithin(Duration.ofMillis(200))).isTrue(); // no replay of the channel's life
                update(writer, 21, "doc.late", "merge", "{'n':21}");
                assertThat(late.nextJson().path("version").asLong()).isEqualTo(21);
            }
        }
    }

    @Test
    void reconnectingClientGetsOnlyThePatchesSinceItsVersion() {
        try (WsTestClient writer = WsTestClient.connect(server.wsUri())) {
            JsonNode last = update(writer, 1, "doc.rec", "merge", "{'a':1}");
            long version = last.path("data").path("version").asLong();
            String epoch = last.path("data").path("epoch").asText();
            for (int i = 2; i <= 4; i++) {
                update(writer, i, "doc.rec", "merge", "{'a':" + i + "}");
            }
            try (WsTestClient back = WsTestClient.connect(server.wsUri())) {
                back.send("{\"type\":\"state_sub\",\"id\":1,\"topic\":\"doc.rec\",\"version\":" + version
                        + ",\"epoch\":\"" + epoch + "\"}");
                JsonNode result = back.nextJson();
                assertThat(result.path("data").path("recovered").asBoolean()).isTrue();
                assertThat(result.path("data").path("version").asLong()).isEqualTo(version + 3);
                for (long v = version + 1; v <= version + 3; v++) {
                    JsonNode p = back.nextJson();
                    assertThat(p.path("type").asText()).isEqualTo("state_patch");
                    assertThat(p.path("version").asLong()).isEqualTo(v);
                }
            }
            // another epoch: a snapshot instead
            try (WsTestClient other = WsTestClient.connect(server.wsUri())) {
                other.send("{\"type\":\"state_sub\",\"id\":1,\"topic\":\"doc.rec\",\"version\":2,\"epoch\":\"nope\"}");
                assertThat(other.nextJson().path("data").path("recovered").asBoolean()).isFalse();
                JsonNode s = other.nextJson();
                assertThat(s.path("type").asText()).isEqualTo("state");
                assertThat(s.path("data")).isEqualTo(json("{'a':4}"));
            }
        }
    }

    @Test
    void whenHistoryNoLongerHasThePatchesTheClientGetsASnapshot() {
        try (WsTestClient writer = WsTestClient.connect(server.wsUri())) {
            JsonNode first = update(writer, 1, "short.x", "merge", "{'a':1}");
            for (int i = 2; i <= 6; i++) {
                update(writer, i, "short.x", "merge", "{'a':" + i + "}");
            }
            try (WsTestClient back = WsTestClient.connect(server.wsUri())) {
                back.send("{\"type\":\"state_sub\",\"id\":1,\"topic\":\"short.x\",\"version\":1,\"epoch\":\""
                        + first.path("data").path("epoch").asText() + "\"}");
                assertThat(back.nextJson().path("data").path("recovered").asBoolean()).isFalse();
                JsonNode s = back.nextJson();
                assertThat(s.path("type").asText()).isEqualTo("state");
                assertThat(s.path("version").asLong()).isEqualTo(6);
                assertThat(s.path("data")).isEqualTo(json("{'a':6}"));
            }
        }
    }

    @Test
    void concurrentWritersWithoutCompareAndSetLoseNoUpdate() throws Exception {
        int writers = 4;
        int each = 25;
        try (WsTestClient follower = WsTestClient.connect(server.wsUri())) {
            follower.send("{\"type\":\"state_sub\",\"id\":1,\"topic\":\"doc.race\"}");
            follower.nextJson();
            JsonNode replica = follower.nextJson().path("data");
            try (WsTestClient setup = WsTestClient.connect(server.wsUri())) {
                update(setup, 2, "doc.race", "merge", "{'items':[]}");
            }
            List<CompletableFuture<Void>> runs = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int me = w;
                runs.add(CompletableFuture.runAsync(() -> {
                    try (WsTestClient c = WsTestClient.connect(server.wsUri())) {
                        StringBuilder batch = new StringBuilder();
                        for (int i = 1; i <= each; i++) {
                            batch.append("{\"type\":\"state_update\",\"id\":").append(i)
                                    .append(",\"topic\":\"doc.race\",\"patch\":[{\"op\":\"add\",\"path\":\"/items/-\",\"value\":\"w")
                                    .append(me).append('-').append(i).append("\"}]}\n");
                        }
                        c.send(batch.toString());
                        for (int i = 1; i <= each; i++) {
                            JsonNode r = c.nextJson();
                            assertThat(r.path("type").asText()).as(r.toString()).isEqualTo("result");
                        }
                    }
                }));
            }
            CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            JsonNode now;
            try (WsTestClient reader = WsTestClient.connect(server.wsUri())) {
                now = get(reader, "doc.race").path("data");
            }
            assertThat(now.path("version").asLong()).isEqualTo(1 + writers * each);
            Set<String> items = new HashSet<>();
            now.path("data").path("items").forEach(n -> items.add(n.asText()));
            assertThat(items).hasSize(writers * each);
            // the follower's replica, kept by applying every patch in order, ends equal to the document
            long version = 0;
            while (version < now.path("version").asLong()) {
                JsonNode p = follower.nextJson(n -> n.path("type").asText().equals("state_patch"));
                assertThat(p.path("version").asLong()).isEqualTo(version + 1);
                replica = JsonPatch.apply(replica, p.path("patch"));
                version++;
            }
            assertThat(replica).isEqualTo(now.path("data"));
        }
    }

    @Test
    void concurrentWritersWithCompareAndSetExactlyOneWinsPerVersion() throws Exception {
        try (WsTestClient setup = WsTestClient.connect(server.wsUri())) {
            long v = update(setup, 1, "doc.cas", "merge", "{'owner':'none'}").path("data").path("version").asLong();
            int writers = 6;
            List<CompletableFuture<JsonNode>> runs = new ArrayList<>();
            List<WsTestClient> clients = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                clients.add(WsTestClient.connect(server.wsUri()));
            }
            try {
                for (int w = 0; w < writers; w++) {
                    WsTestClient c = clients.get(w);
                    int me = w;
                    runs.add(CompletableFuture.supplyAsync(() -> update(c, 1, "doc.cas", "merge",
                            "{'owner':'w" + me + "'},\"if_version\":" + v)));
                }
                int won = 0;
                for (CompletableFuture<JsonNode> r : runs) {
                    JsonNode n = r.get(20, TimeUnit.SECONDS);
                    if (n.path("type").asText().equals("result")) {
                        won++;
                        assertThat(n.path("data").path("version").asLong()).isEqualTo(v + 1);
                    } else {
                        assertThat(n.path("code").asText()).isEqualTo("state_conflict");
                        assertThat(n.path("data").path("version").asLong()).isEqualTo(v + 1);
                        assertThat(n.path("message").asText()).contains("is at version " + (v + 1));
                    }
                }
                assertThat(won).isEqualTo(1);
                assertThat(get(setup, "doc.cas").path("data").path("version").asLong()).isEqualTo(v + 1);
            } finally {
                clients.forEach(WsTestClient::close);
            }
        }
    }

    @Test
    void invalidWritesGetDocumentedErrorsAndChangeNothing() {
        try (WsTestClient c = WsTestClient.connect(server.wsUri())) {
            update(c, 1, "doc.bad", "merge", "{'a':[1,2]}");
            JsonNode e1 = update(c, 2, "doc.bad", "patch", "[{'op':'add','path':'/b','value':1},{'op':'remove','path':'/zzz'}]");
            assertThat(e1.path("code").asText()).isEqualTo("invalid_patch");
            assertThat(e1.path("data").path("index").asInt()).isEqualTo(1);
            assertThat(e1.path("message").asText()).contains("operation 1").contains("does not exist");
            JsonNode e2 = update(c, 3, "doc.bad", "patch", "[{'op':'test','path':'/a/0','value':2}]");
            assertThat(e2.path("code").asText()).isEqualTo("invalid_patch");
            assertThat(update(c, 4, "doc.bad", "patch", "{'op':'add'}").path("code").asText()).isEqualTo("invalid_patch");
            assertThat(update(c, 5, "doc.bad", "patch", "[{'op':'jump','path':'/a'}]").path("data").path("index").asInt()).isZero();
            JsonNode big = update(c, 6, "tiny.x", "merge", "{'text':'" + "x".repeat(100) + "'}");
            assertThat(big.path("code").asText()).isEqualTo("document_too_large");
            assertThat(big.path("data").path("max").asInt()).isEqualTo(40);
            JsonNode conflict = update(c, 7, "doc.bad", "merge", "{'a':0},\"if_version\":0");
            assertThat(conflict.path("code").asText()).isEqualTo("state_conflict");
            assertThat(conflict.path("data").path("version").asLong()).isEqualTo(1);
            c.send("{\"type\":\"state_update\",\"id\":8,\"topic\":\"doc.bad\"}");
            assertThat(reply(c, 8).path("code").asText()).isEqualTo("missing_field");
            c.send("{\"type\":\"state_get\",\"id\":9,\"topic\":\"doc.*\"}");
            assertThat(reply(c, 9).path("code").asText()).isEqualTo("bad_topic");
            JsonNode now = get(c, "doc.bad").path("data");
            assertThat(now.path("version").asLong()).isEqualTo(1);
            assertThat(now.path("data")).isEqualTo(json("{'a':[1,2]}"));
            c.send("{\"type\":\"pub\",\"id\":10,\"topic\":\"doc.bad\",\"data\":1}");
            JsonNode pub = reply(c, 10);
            assertThat(pub.path("code").asText()).isEqualTo("state_channel");
            c.send("{\"type\":\"state_unsub\",\"id\":11,\"topic\":\"doc.bad\"}");
            assertThat(reply(c, 11).path("code").asText()).isEqualTo("not_subscribed");
        }
    }

    @Test
    void channelsAreCreatedOnFirstWriteWhereAllowedAndThenRefusePlainPublications() {
        try (WsTestClient c = WsTestClient.connect(server.wsUri())) {
            c.send("{\"type\":\"state_get\",\"id\":1,\"topic\":\"free.one\"}");
            assertThat(reply(c, 1).path("code").asText()).isEqualTo("not_state_channel");
            assertThat(update(c, 2, "free.one", "merge", "{'x':1}").path("data").path("version").asLong()).isEqualTo(1);
            assertThat(get(c, "free.one").path("data").path("data")).isEqualTo(json("{'x':1}"));
            c.send("{\"type\":\"pub\",\"id\":3,\"topic\":\"free.one\",\"data\":1}");
            assertThat(reply(c, 3).path("code").asText()).isEqualTo("state_channel");
            c.send("{\"type\":\"pub\",\"id\":4,\"topic\":\"plain.one\",\"data\":1,\"ack\":true}");
            assertThat(reply(c, 4).path("type").asText()).isEqualTo("result");
            JsonNode e = update(c, 5, "plain.one", "merge", "{'x':1}");
            assertThat(e.path("code").asText()).isEqualTo("not_state_channel");
        }
    }

    @Test
    void readingNeedsSubscribeAndWritingNeedsPublish() {
        try (WsTestClient c = WsTestClient.connect(guarded.wsUri())) {
            assertThat(get(c, "doc.g").path("type").asText()).isEqualTo("result");
            JsonNode denied = update(c, 1, "doc.g", "merge", "{'x':1}");
            assertThat(denied.path("code").asText()).isEqualTo("forbidden");
            assertThat(denied.path("data").path("action").asText()).isEqualTo("publish");
            assertThat(update(c, 2, "open.g", "merge", "{'x':1}").path("type").asText()).isEqualTo("result");
            c.send("{\"type\":\"state_sub\",\"id\":3,\"topic\":\"secret.g\"}");
            JsonNode sub = reply(c, 3);
            assertThat(sub.path("code").asText()).isEqualTo("forbidden");
            assertThat(sub.path("data").path("action").asText()).isEqualTo("subscribe");
        }
    }
}
