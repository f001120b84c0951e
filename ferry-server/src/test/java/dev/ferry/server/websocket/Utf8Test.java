package dev.ferry.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.RawWebSocket;
import dev.ferry.server.testing.WsTestClient;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RFC 6455 §8.1: a text message that is not valid UTF-8 closes the connection with 1007, on ferry.v1 and on the
 * plain sockets alike; the check is made on the whole message, so a character split across fragments is fine.
 */
class Utf8Test {
    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension();

    private static final byte[] NOT_UTF8 = {'"', (byte) 0xC3, 0x28, '"'}; // a lead byte followed by no continuation

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/v1/ws", "/v1/topics/utf8/plain", "/v1/multiplex"})
    void invalidTextClosesWith1007AndOthersCarryOn(String path) throws Exception {
        try (WsTestClient other = WsTestClient.connect(server.wsUri());
             RawWebSocket ws = RawWebSocket.connect(server.port(), path, path.equals("/v1/ws") ? "ferry.v1" : null)) {
            ws.send(true, RawWebSocket.TEXT, NOT_UTF8);
            RawWebSocket.Frame close = ws.nextNotPing();
            while (close.opcode() != RawWebSocket.CLOSE) {
                close = ws.nextNotPing(); // a per-topic socket may have said something first
            }
            assertThat(close.closeCode()).isEqualTo(1007);
            other.send("{\"type\":\"ping\",\"id\":1}");
            assertThat(other.nextJson().path("type").asText()).isEqualTo("pong");
        }
    }

    @Test
    void aCharacterSplitAcrossFragmentsIsWhole() throws Exception {
        byte[] frame = "{\"type\":\"pub\",\"id\":2,\"ack\":true,\"topic\":\"utf8.split\",\"data\":\"€\"}".getBytes(StandardCharsets.UTF_8);
        int euro = indexOf(frame, (byte) 0xE2);
        try (WsTestClient sub = WsTestClient.connect(server.wsUri());
             RawWebSocket ws = RawWebSocket.connect(server.port(), "/v1/ws", "ferry.v1")) {
            sub.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"utf8.split\"}");
            assertThat(sub.nextJson().path("type").asText()).isEqualTo("result");
            ws.send(false, RawWebSocket.TEXT, Arrays.copyOfRange(frame, 0, euro + 1)); // ends after the lead byte
            ws.send(true, RawWebSocket.CONTINUATION, Arrays.copyOfRange(frame, euro + 1, frame.length));
            RawWebSocket.Frame answer = ws.nextNotPing();
            assertThat(answer.opcode()).isEqualTo(RawWebSocket.TEXT);
            assertThat(answer.text()).contains("\"type\":\"result\"").contains("\"id\":2");
            assertThat(sub.nextJson().path("data").asText()).isEqualTo("€");
        }
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        throw new AssertionError("no " + b);
    }
}
