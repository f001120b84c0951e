package dev.ferry.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.protocol.CloseCodes;
import dev.ferry.server.config.LimitsConfig;
import dev.ferry.server.config.WebSocketConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.RawWebSocket;
import dev.ferry.server.testing.WsTestClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Unfinished fragmented messages on every WebSocket endpoint: closed with 4008 once {@code websocket.fragment-timeout}
 * has passed since their first fragment, whatever else the client sends, and closed with 4009 beyond the server's
 * {@code limits.reassembly-bytes}, while the connections that send whole messages carry on.
 */
class FragmentLimitsTest {
    private static final List<String[]> ENDPOINTS = List.of(
            new String[] {"/v1/ws", "ferry.v1"}, new String[] {"/v1/multiplex", null}, new String[] {"/v1/topics/frag/t", null});

    @RegisterExtension
    static final FerryServerExtension timed = new FerryServerExtension(c -> c.withWebSocket(new WebSocketConfig(
            1 << 20, Duration.ofSeconds(10), Duration.ofSeconds(25), Duration.ofSeconds(60), 1000, 4 << 20,
            Duration.ofMillis(300))));

    /** Room for 40 unfinished messages of 100 bytes; no time limit that a test would reach. */
    @RegisterExtension
    static final FerryServerExtension budgeted = new FerryServerExtension(c -> c
            .withLimits(new LimitsConfig(0, 0, 0, 0, 1000, 0, 0, 0, 0, 0, LimitsConfig.DEFAULT_MESSAGE_EXCESS, 4096)));

    /** Bytes held by unfinished messages on the budgeted server, as {@code /metrics} reports them. */
    private static double held() {
        return budgeted.server().meterRegistry().get("ferry.websocket.reassembly").gauge().value();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The next frame that is a close or a pong (skipping pings and text). */
    private static RawWebSocket.Frame closeOrPong(RawWebSocket ws) throws Exception {
        RawWebSocket.Frame f;
        do {
            f = ws.next();
        } while (f.opcode() != RawWebSocket.CLOSE && f.opcode() != RawWebSocket.PONG);
        return f;
    }

    private static String reason(RawWebSocket.Frame close) {
        return new String(close.payload(), 2, close.payload().length - 2, StandardCharsets.UTF_8);
    }

    @Test
    void anUnfinishedMessageIsClosedWith4008OnEveryEndpointWhatEverElseArrives() throws Exception {
        for (String[] e : ENDPOINTS) {
            try (RawWebSocket ws = RawWebSocket.connect(timed.port(), e[0], e[1])) {
                ws.send(false, RawWebSocket.TEXT, bytes("{\"type\":"));
                ws.send(true, RawWebSocket.PONG, new byte[0]); // activity that must not keep the message alive
                ws.send(false, RawWebSocket.CONTINUATION, bytes("\"ping\""));
                ws.send(true, RawWebSocket.PONG, new byte[0]);
                RawWebSocket.Frame close = closeOrPong(ws);
                assertThat(close.opcode()).as(e[0]).isEqualTo(RawWebSocket.CLOSE);
                assertThat(close.closeCode()).as(e[0]).isEqualTo(CloseCodes.MESSAGE_NOT_COMPLETED);
                assertThat(reason(close)).isEqualTo("message not completed in time");
            }
        }
        assertThat(timed.server().meterRegistry().get("ferry.websocket.reassembly.closes").tag("reason", "timeout")
                .functionCounter().count()).isGreaterThanOrEqualTo(ENDPOINTS.size());
    }

    @Test
    void aMessageCompletedInTimeIsDelivered() throws Exception {
        try (RawWebSocket ws = RawWebSocket.connect(timed.port(), "/v1/ws", "ferry.v1")) {
            ws.send(false, RawWebSocket.TEXT, bytes("{\"type\":"));
            ws.send(true, RawWebSocket.PONG, new byte[0]);
            ws.send(true, RawWebSocket.CONTINUATION, bytes("\"ping\",\"id\":7}"));
            RawWebSocket.Frame f = ws.nextNotPing();
            assertThat(f.opcode()).isEqualTo(RawWebSocket.TEXT);
            assertThat(f.text()).isEqualTo("{\"type\":\"pong\",\"id\":7}");
        }
    }

    @Test
    void beyondTheReassemblyBudgetConnectionsAreClosedWith4009AndOthersCarryOn() throws Exception {
        byte[] fragment = new byte[100];
        Arrays.fill(fragment, (byte) ' ');
        fragment[0] = '{';
        List<RawWebSocket> held = new ArrayList<>();
        int refused = 0;
        try (WsTestClient sub = WsTestClient.connect(budgeted.wsUri()); WsTestClient pub = WsTestClient.connect(budgeted.wsUri())) {
            sub.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"frag.t\"}");
            assertThat(sub.nextJson().path("type").asText()).isEqualTo("result");
            try {
                for (int i = 0; i < 60; i++) {
                    String[] e = ENDPOINTS.get(i % ENDPOINTS.size());
                    RawWebSocket ws = RawWebSocket.connect(budgeted.port(), e[0], e[1]);
                    ws.send(false, RawWebSocket.TEXT, fragment);
                    ws.send(true, RawWebSocket.PING, new byte[0]); // answered after the fragment was taken or refused
                    RawWebSocket.Frame f = closeOrPong(ws);
                    if (f.opcode() == RawWebSocket.CLOSE) {
                        assertThat(f.closeCode()).isEqualTo(CloseCodes.REASSEMBLY_BUDGET_EXHAUSTED);
                        assertThat(reason(f)).isEqualTo("reassembly budget exhausted");
                        refused++;
                        ws.close();
                    } else {
                        held.add(ws);
                    }
                    // A publisher and a subscriber that send whole messages carry on throughout.
                    pub.send("{\"type\":\"pub\",\"id\":" + (i + 1) + ",\"ack\":true,\"topic\":\"frag.t\",\"data\":" + i + "}");
                    assertThat(pub.nextJson().path("type").asText()).isEqualTo("result");
                    JsonNode m = sub.nextJson();
                    assertThat(m.path("data").asInt()).isEqualTo(i);
                }
                assertThat(held).hasSize(40);
                assertThat(refused).isEqualTo(20);
                assertThat(held()).isEqualTo(4000.0);
            } finally {
                for (RawWebSocket ws : held) {
                    ws.close();
                }
            }
            // Closed connections give their bytes back: a fragmented message goes through again.
            dev.ferry.server.testing.Await.until("the closed connections' bytes are given back", () -> held() == 0);
            try (RawWebSocket ws = RawWebSocket.connect(budgeted.port(), "/v1/ws", "ferry.v1")) {
                ws.send(false, RawWebSocket.TEXT, fragment);
                ws.send(true, RawWebSocket.CONTINUATION, bytes("}"));
                ws.send(false, RawWebSocket.TEXT, bytes("{\"type\":\"ping\","));
                ws.send(true, RawWebSocket.CONTINUATION, bytes("\"id\":3}"));
                RawWebSocket.Frame f = ws.nextNotPing();
                assertThat(f.text()).contains("\"code\":\"unknown_command\""); // {} has no type: answered, not closed
                assertThat(ws.nextNotPing().text()).isEqualTo("{\"type\":\"pong\",\"id\":3}");
            }
        }
        assertThat(budgeted.server().meterRegistry().get("ferry.websocket.reassembly.closes").tag("reason", "budget")
                .functionCounter().count()).isEqualTo(20);
    }
}
