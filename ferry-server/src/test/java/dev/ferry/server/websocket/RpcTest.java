package dev.ferry.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RpcTest {
    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension();

    private static WsTestClient callee(String proc) {
        WsTestClient c = WsTestClient.connect(server.wsUri());
        c.send("{\"type\":\"register\",\"id\":1,\"proc\":\"" + proc + "\"}");
        assertThat(c.nextJson().toString()).isEqualTo("{\"type\":\"result\",\"id\":1,\"data\":{\"proc\":\"" + proc + "\"}}");
        return c;
    }

    @Test
    void callIsRoutedToTheCalleeAndTheReplyBack() {
        try (WsTestClient callee = callee("math.add"); WsTestClient caller = WsTestClient.connect(server.wsUri())) {
            caller.send("{\"type\":\"call\",\"id\":7,\"proc\":\"math.add\",\"args\":[2,3]}");
            JsonNode invoke = callee.nextJson();
            assertThat(invoke.path("type").asText()).isEqualTo("invoke");
            assertThat(invoke.path("proc").asText()).isEqualTo("math.add");
            assertThat(invoke.path("args").toString()).isEqualTo("[2,3]");
            callee.send("{\"type\":\"reply\",\"id\":" + invoke.path("id").asLong() + ",\"data\":5}");
            assertThat(caller.nextJson().toString()).isEqualTo("{\"type\":\"result\",\"id\":7,\"data\":5}");
        }
    }

    /** Caller and callee on one connection, so on one event loop: the invocation is written without a hop. */
    @Test
    void aConnectionMayCallItsOwnProcedure() {
        try (WsTestClient both = callee("self.echo")) {
            for (int i = 1; i <= 3; i++) {
                both.send("{\"type\":\"call\",\"id\":" + (10 + i) + ",\"proc\":\"self.echo\",\"args\":" + i + "}");
                JsonNode invoke = both.nextJson();
                assertThat(invoke.path("type").asText()).isEqualTo("invoke");
                assertThat(invoke.path("args").asInt()).isEqualTo(i);
                if (i == 3) {
                    both.send("{\"type\":\"reply\",\"id\":" + invoke.path("id").asLong()
                            + ",\"error\":{\"code\":\"nope\",\"message\":\"no\"}}");
                    JsonNode e = both.nextJson();
                    assertThat(e.path("type").asText()).isEqualTo("error");
                    assertThat(e.path("code").asText()).isEqualTo("callee_error");
                    assertThat(e.path("id").asInt()).isEqualTo(13);
                } else {
                    both.send("{\"type\":\"reply\",\"id\":" + invoke.path("id").asLong() + ",\"data\":" + (i * 10) + "}");
                    assertThat(both.nextJson().toString())
                            .isEqualTo("{\"type\":\"result\",\"id\":" + (10 + i) + ",\"data\":" + (i * 10) + "}");
                }
            }
        }
    }

    @Test
    void callsAreSpreadRoundRobin() {
        try (WsTestClient a = callee("rr.proc"); WsTestClient b = callee("rr.proc");
             WsTestClient caller = WsTestClient.connect(server.wsUri())) {
            Set<String> who = new HashSet<>();
            for (int i = 1; i <= 4; i++) {
                caller.send("{\"type\":\"call\",\"id\":" + i + ",\"proc\":\"rr.proc\"}");
                WsTestClient target = i % 2 == 1 ? a : b;
                JsonNode invoke = null;
                // round-robin: consecutive calls alternate between the two callees
                invoke = target.nextJson();
                who.add(target == a ? "a" : "b");
                target.send("{\"type\":\"reply\",\"id\":" + invoke.path("id").asLong() + ",\"data\":\"" + (target == a ? "a" : "b") + "\"}");
                assertThat(caller.nextJson().path("id").asInt()).isEqualTo(i);
            }
            assertThat(who).containsExactlyInAnyOrder("a", "b");
        }
    }

    @Test
    void noSuchProcedure() {
        try (WsTestClient caller = WsTestClient.connect(server.wsUri())) {
            caller.send("{\"type\":\"call\",\"id\":3,\"proc\":\"nobody.home\"}");
            JsonNode e = caller.nextJson();
            assertThat(e.path("type").asText()).isEqualTo("error");
            assertThat(e.path("id").asInt()).isEqualTo(3);
            assertThat(e.path("code").asText()).isEqualTo("no_such_procedure");
        }
    }

    @Test
    void timeout() {
        try (WsTestClient callee = callee("slow.proc"); WsTestClient caller = WsTestClient.connect(server.wsUri())) {
            caller.send("{\"type\":\"call\",\"id\":4,\"proc\":\"slow.proc\",\"timeout\":100}");
            JsonNode invoke = callee.nextJson();
            JsonNode e = caller.nextJson();
            assertThat(e.path("code").asText()).isEqualTo("call_timeout");
            assertThat(e.path("id").asInt()).isEqualTo(4);
            assertThat(callee.nextJson().path("type").asText()).isEqualTo("interrupt");
            // a late reply is ignored, and the callee stays usable
            callee.send("{\"type\":\"reply\",\"id\":" + invoke.path("id").asLong() + ",\"data\":1}");
            callee.send("{\"type\":\"ping\",\"id\":9}");
            assertThat(callee.nextJson().toString()).isEqualTo("{\"type\":\"pong\",\"id\":9}");
        }
    }

    @Test
    void calleeError() {
        try (WsTestClient callee = callee("bad.proc"); WsTestClient caller = WsTestClient.connect(server.wsUri())) {
            caller.send("{\"type\":\"call\",\"id\":5,\"proc\":\"bad.proc\"}");
            long inv = callee.nextJson().path("id").asLong();
            callee.send("{\"type\":\"reply\",\"id\":" + inv + ",\"error\":{\"code\":\"app.denied\",\"message\":\"no way\",\"data\":{\"k\":1}}}");
            JsonNode e = caller.nextJson();
            assertThat(e.path("code").asText()).isEqualTo("callee_error");
            assertThat(e.path("message").asText()).isEqualTo("no way");
            assertThat(e.path("data").toString()).isEqualTo("{\"code\":\"app.denied\",\"data\":{\"k\":1}}");
        }
    }

    @Test
    void calleeGone() {
        WsTestClient callee = callee("gone.proc");
        try (WsTestClient caller = WsTestClient.connect(server.wsUri())) {
            caller.send("{\"type\":\"call\",\"id\":6,\"proc\":\"gone.proc\"}");
            callee.nextJson();
            callee.close();
            JsonNode e = caller.nextJson();
            assertThat(e.path("code").asText()).isEqualTo("callee_gone");
            assertThat(e.path("id").asInt()).isEqualTo(6);
            // and the procedure is gone with it
            caller.send("{\"type\":\"call\",\"id\":7,\"proc\":\"gone.proc\"}");
            assertThat(caller.nextJson().path("code").asText()).isEqualTo("no_such_procedure");
        }
    }

    @Test
    void onlyTheCalleeAnInvocationWentToMayAnswerIt() {
        try (WsTestClient callee = callee("own.proc"); WsTestClient intruder = WsTestClient.connect(server.wsUri());
             WsTestClient caller = WsTestClient.connect(server.wsUri())) {
            caller.send("{\"type\":\"call\",\"id\":1,\"proc\":\"own.proc\"}");
            long inv = callee.nextJson().path("id").asLong();
            intruder.send("{\"type\":\"reply\",\"id\":" + inv + ",\"data\":\"forged\"}");
            callee.send("{\"type\":\"reply\",\"id\":" + inv + ",\"data\":\"genuine\"}");
            assertThat(caller.nextJson().path("data").asText()).isEqualTo("genuine");
        }
    }

    @Test
    void binaryArgsAndResult() {
        try (WsTestClient callee = callee("bin.echo"); WsTestClient caller = WsTestClient.connect(server.wsUri())) {
            caller.sendBinary(concat("{\"type\":\"call\",\"id\":2,\"proc\":\"bin.echo\"}\n", new byte[] {1, 2, 3}));
            WsTestClient.Received invoke = callee.next();
            assertThat(invoke.binary()).isNotNull();
            String header = headerOf(invoke.binary());
            assertThat(header).contains("\"type\":\"invoke\"").doesNotContain("args");
            long inv = Long.parseLong(header.replaceAll(".*\"id\":(\\d+).*", "$1"));
            callee.sendBinary(concat("{\"type\":\"reply\",\"id\":" + inv + "}\n", new byte[] {9, 8}));
            WsTestClient.Received result = caller.next();
            assertThat(headerOf(result.binary())).isEqualTo("{\"type\":\"result\",\"id\":2}");
            byte[] r = result.binary();
            assertThat(new byte[] {r[r.length - 2], r[r.length - 1]}).containsExactly(9, 8);
        }
    }

    @Test
    void unregisterStopsNewCalls() {
        try (WsTestClient callee = callee("u.proc"); WsTestClient caller = WsTestClient.connect(server.wsUri())) {
            callee.send("{\"type\":\"unregister\",\"id\":2,\"proc\":\"u.proc\"}");
            assertThat(callee.nextJson().path("type").asText()).isEqualTo("result");
            callee.send("{\"type\":\"unregister\",\"id\":3,\"proc\":\"u.proc\"}");
            assertThat(callee.nextJson().path("code").asText()).isEqualTo("not_registered");
            caller.send("{\"type\":\"call\",\"id\":1,\"proc\":\"u.proc\"}");
            assertThat(caller.nextJson().path("code").asText()).isEqualTo("no_such_procedure");
        }
    }

    static byte[] concat(String header, byte[] payload) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[h.length + payload.length];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(payload, 0, out, h.length, payload.length);
        return out;
    }

    static String headerOf(byte[] binaryMessage) {
        String s = new String(binaryMessage, StandardCharsets.ISO_8859_1);
        return s.substring(0, s.indexOf('\n'));
    }
}
