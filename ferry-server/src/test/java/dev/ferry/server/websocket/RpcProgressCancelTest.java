package dev.ferry.server.websocket;

import static dev.ferry.server.websocket.RpcTest.concat;
import static dev.ferry.server.websocket.RpcTest.headerOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ferry.v1 progressive results, cancel, interrupts and shared registrations (docs/protocol.md §4). */
class RpcProgressCancelTest {
    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension();

    private static WsTestClient callee(String proc, String invoke) {
        WsTestClient c = WsTestClient.connect(server.wsUri());
        c.send("{\"type\":\"register\",\"id\":1,\"proc\":\"" + proc + "\"" + (invoke == null ? "" : ",\"invoke\":\"" + invoke + "\"") + "}");
        assertThat(c.nextJson().toString()).isEqualTo("{\"type\":\"result\",\"id\":1,\"data\":{\"proc\":\"" + proc + "\"}}");
        return c;
    }

    private static WsTestClient caller() {
        return WsTestClient.connect(server.wsUri());
    }

    private static void assertAlive(WsTestClient c, int id) {
        c.send("{\"type\":\"ping\",\"id\":" + id + "}");
        assertThat(c.nextJson().toString()).isEqualTo("{\"type\":\"pong\",\"id\":" + id + "}");
    }

    @Test
    void progressiveResultsReachTheCallerBeforeTheResult() {
        try (WsTestClient callee = callee("pg.count", null); WsTestClient caller = caller()) {
            caller.send("{\"type\":\"call\",\"id\":7,\"proc\":\"pg.count\",\"args\":3,\"progress\":true}");
            JsonNode invoke = callee.nextJson();
            assertThat(invoke.path("progress").asBoolean()).isTrue();
            long inv = invoke.path("id").asLong();
            callee.send("{\"type\":\"reply\",\"id\":" + inv + ",\"progress\":true,\"data\":1}\n"
                    + "{\"type\":\"reply\",\"id\":" + inv + ",\"progress\":true,\"data\":{\"n\":2}}");
            callee.send("{\"type\":\"reply\",\"id\":" + inv + ",\"data\":\"done\"}");
            assertThat(caller.nextJson().toString()).isEqualTo("{\"type\":\"progress\",\"id\":7,\"data\":1}");
            assertThat(caller.nextJson().toString()).isEqualTo("{\"type\":\"progress\",\"id\":7,\"data\":{\"n\":2}}");
            assertThat(caller.nextJson().toString()).isEqualTo("{\"type\":\"result\",\"id\":7,\"data\":\"done\"}");
            // progress after the outcome is ignored
            callee.send("{\"type\":\"reply\",\"id\":" + inv + ",\"progress\":true,\"data\":3}");
            assertAlive(caller, 8);
        }
    }

    @Test
    void progressIsDroppedWhenTheCallerDidNotAskForIt() {
        try (WsTestClient callee = callee("pg.quiet", null); WsTestClient caller = caller()) {
            caller.send("{\"type\":\"call\",\"id\":1,\"proc\":\"pg.quiet\"}");
            JsonNode invoke = callee.nextJson();
            assertThat(invoke.has("progress")).isFalse();
            long inv = invoke.path("id").asLong();
            callee.send("{\"type\":\"reply\",\"id\":" + inv + ",\"progress\":true,\"data\":1}");
            callee.send("{\"type\":\"reply\",\"id\":" + inv + ",\"data\":2}");
            assertThat(caller.nextJson().toString()).isEqualTo("{\"type\":\"result\",\"id\":1,\"data\":2}");
        }
    }

    @Test
    void binaryProgress() {
        try (WsTestClient callee = callee("pg.bin", null); WsTestClient caller = caller()) {
            caller.send("{\"type\":\"call\",\"id\":2,\"proc\":\"pg.bin\",\"progress\":true}");
            long inv = callee.nextJson().path("id").asLong();
            callee.sendBinary(concat("{\"type\":\"reply\",\"id\":" + inv + ",\"progress\":true}\n", new byte[] {7, 7}));
            callee.send("{\"type\":\"reply\",\"id\":" + inv + ",\"data\":null}");
            WsTestClient.Received progress = caller.next();
            assertThat(headerOf(progress.binary())).isEqualTo("{\"type\":\"progress\",\"id\":2}");
            assertThat(caller.nextJson().toString()).isEqualTo("{\"type\":\"result\",\"id\":2,\"data\":null}");
        }
    }

    @Test
    void killnowaitIsTheDefaultAndAnswersAtOnce() {
        try (WsTestClient callee = callee("cx.knw", null); WsTestClient caller = caller()) {
            caller.send("{\"type\":\"call\",\"id\":3,\"proc\":\"cx.knw\"}");
            long inv = callee.nextJson().path("id").asLong();
            caller.send("{\"type\":\"cancel\",\"id\":3}");
            JsonNode e = caller.nextJson();
            assertThat(e.path("type").asText()).isEqualTo("error");
            assertThat(e.path("id").asInt()).isEqualTo(3);
            assertThat(e.path("code").asText()).isEqualTo("canceled");
            assertThat(callee.nextJson().toString())
                    .isEqualTo("{\"type\":\"interrupt\",\"id\":" + inv + ",\"mode\":\"killnowait\",\"reason\":\"cancel\"}");
            // the callee's late reply goes nowhere; both carry on
            callee.send("{\"type\":\"reply\",\"id\":" + inv + ",\"data\":1}");
            assertAlive(caller, 4);
            assertAlive(callee, 5);
        }
    }

    @Test
    void killWaitsForTheCallee() {
        try (WsTestClient callee = callee("cx.kill", null); WsTestClient caller = caller()) {
            caller.send("{\"type\":\"call\",\"id\":4,\"proc\":\"cx.kill\",\"progress\":true}");
            long inv = callee.nextJson().path("id").asLong();
            caller.send("{\"type\":\"cancel\",\"id\":4,\"mode\":\"kill\"}");
            assertThat(callee.nextJson().toString())
                    .isEqualTo("{\"type\":\"interrupt\",\"id\":" + inv + ",\"mode\":\"kill\",\"reason\":\"cancel\"}");
            // until the callee answers, progress still flows and the call stays open
            callee.send("{\"type\":\"reply\",\"id\":" + inv + ",\"progress\":true,\"data\":\"partial\"}");
            assertThat(caller.nextJson().path("type").asText()).isEqualTo("progress");
            callee.send("{\"type\":\"reply\",\"id\":" + inv + ",\"error\":{\"code\":\"app.stopped\",\"message\":\"stopped\"}}");
            JsonNode e = caller.nextJson();
            assertThat(e.path("code").asText()).isEqualTo("canceled");
            assertThat(e.path("message").asText()).isEqualTo("stopped");
            assertThat(e.path("data").toString()).isEqualTo("{\"code\":\"app.stopped\"}");
        }
    }

    @Test
    void skipTellsTheCalleeNothing() throws InterruptedException {
        try (WsTestClient callee = callee("cx.skip", null); WsTestClient caller = caller()) {
            caller.send("{\"type\":\"call\",\"id\":5,\"proc\":\"cx.skip\"}");
            long inv = callee.nextJson().path("id").asLong();
            caller.send("{\"type\":\"cancel\",\"id\":5,\"mode\":\"skip\"}");
            assertThat(caller.nextJson().path("code").asText()).isEqualTo("canceled");
            callee.send("{\"type\":\"reply\",\"id\":" + inv + ",\"data\":1}");
            assertAlive(callee, 6);
            assertAlive(caller, 7);
        }
    }

    @Test
    void aTimeoutAndACallerLeavingInterruptTheCallee() {
        try (WsTestClient callee = callee("cx.slow", null); WsTestClient caller = caller()) {
            caller.send("{\"type\":\"call\",\"id\":6,\"proc\":\"cx.slow\",\"timeout\":50}");
            long inv = callee.nextJson().path("id").asLong();
            assertThat(caller.nextJson().path("code").asText()).isEqualTo("call_timeout");
            assertThat(callee.nextJson().toString())
                    .isEqualTo("{\"type\":\"interrupt\",\"id\":" + inv + ",\"mode\":\"killnowait\",\"reason\":\"timeout\"}");
            WsTestClient leaving = caller();
            leaving.send("{\"type\":\"call\",\"id\":1,\"proc\":\"cx.slow\"}");
            long second = callee.nextJson().path("id").asLong();
            leaving.close();
            assertThat(callee.nextJson().toString())
                    .isEqualTo("{\"type\":\"interrupt\",\"id\":" + second + ",\"mode\":\"killnowait\",\"reason\":\"cancel\"}");
        }
    }

    @Test
    void badCancelsAndRegistrationsAreRefused() {
        try (WsTestClient callee = callee("cx.bad", null); WsTestClient c = caller()) {
            c.send("{\"type\":\"cancel\",\"id\":1,\"mode\":\"hard\"}");
            JsonNode e = c.nextJson();
            assertThat(e.path("code").asText()).isEqualTo("bad_frame");
            assertThat(e.path("message").asText()).isEqualTo("mode: \"hard\" (expected: skip, kill or killnowait)");
            c.send("{\"type\":\"cancel\"}");
            assertThat(c.nextJson().path("code").asText()).isEqualTo("missing_field");
            c.send("{\"type\":\"cancel\",\"id\":99}"); // no such call: ignored
            assertAlive(c, 2);
            c.send("{\"type\":\"register\",\"id\":3,\"proc\":\"cx.other\",\"invoke\":\"sometimes\"}");
            e = c.nextJson();
            assertThat(e.path("code").asText()).isEqualTo("bad_frame");
            assertThat(e.path("id").asInt()).isEqualTo(3);
            c.send("{\"type\":\"call\",\"id\":4,\"proc\":\"cx.bad\",\"progress\":\"yes\"}");
            assertThat(c.nextJson().path("code").asText()).isEqualTo("bad_frame");

            // a progressive reply with an error is refused, and settles the call like any refused reply
            c.send("{\"type\":\"call\",\"id\":5,\"proc\":\"cx.bad\",\"progress\":true}");
            long inv = callee.nextJson().path("id").asLong();
            callee.send("{\"type\":\"reply\",\"id\":" + inv + ",\"progress\":true,\"error\":{\"code\":\"x\",\"message\":\"y\"}}");
            assertThat(callee.nextJson().path("code").asText()).isEqualTo("bad_frame");
            e = c.nextJson();
            assertThat(e.path("code").asText()).isEqualTo("callee_error");
            assertThat(e.path("data").toString()).isEqualTo("{\"code\":\"bad_frame\"}");
        }
    }

    @Test
    void sharedRegistrationsFollowOnePolicy() {
        try (WsTestClient only = callee("sh.single", "single"); WsTestClient other = caller();
             WsTestClient first = callee("sh.first", "first"); WsTestClient second = callee("sh.first", "first");
             WsTestClient c = caller()) {
            other.send("{\"type\":\"register\",\"id\":1,\"proc\":\"sh.single\"}");
            JsonNode e = other.nextJson();
            assertThat(e.path("code").asText()).isEqualTo("procedure_exists");
            assertThat(e.path("id").asInt()).isEqualTo(1);
            other.send("{\"type\":\"register\",\"id\":2,\"proc\":\"sh.first\",\"invoke\":\"last\"}");
            assertThat(other.nextJson().path("message").asText())
                    .isEqualTo("\"sh.first\" is registered with the invocation policy \"first\", not \"last\"");
            // the refused registrations left nothing behind: this connection gets no invocation
            for (int i = 1; i <= 3; i++) {
                c.send("{\"type\":\"call\",\"id\":" + i + ",\"proc\":\"sh.first\"}");
                long inv = first.nextJson().path("id").asLong();
                first.send("{\"type\":\"reply\",\"id\":" + inv + ",\"data\":" + i + "}");
                assertThat(c.nextJson().path("data").asInt()).isEqualTo(i);
            }
            c.send("{\"type\":\"call\",\"id\":9,\"proc\":\"sh.single\"}");
            long inv = only.nextJson().path("id").asLong();
            only.send("{\"type\":\"reply\",\"id\":" + inv + ",\"data\":0}");
            assertThat(c.nextJson().path("id").asInt()).isEqualTo(9);
            assertThat(second.nothingWithin(Duration.ofMillis(100))).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
