package dev.ferry.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.WsTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every bad input gets its documented error code; the connection and the server carry on. */
class BadInputTest {
    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c.withWebSocket(
            new dev.ferry.server.config.WebSocketConfig(4096, c.websocket().handshakeTimeout(), c.websocket().pingInterval(),
                    c.websocket().idleTimeout(), 3, c.websocket().outboundQueueBytes())));

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "malformed JSON              | {\"type\":\"sub\",                                   | bad_frame       | 0",
            "not an object               | [1,2,3]                                             | bad_frame       | 0",
            "unknown command             | {\"type\":\"subscribe\",\"id\":4}                   | unknown_command | 4",
            "no type                     | {\"id\":4}                                          | unknown_command | 4",
            "push type sent by client    | {\"type\":\"msg\",\"topic\":\"a\",\"data\":1}       | unknown_command | 0",
            "missing topic               | {\"type\":\"sub\",\"id\":5}                         | missing_field   | 5",
            "missing id                  | {\"type\":\"sub\",\"topic\":\"a\"}                  | missing_field   | 0",
            "missing data                | {\"type\":\"pub\",\"id\":6,\"topic\":\"a\"}         | missing_field   | 6",
            "id of wrong type            | {\"type\":\"ping\",\"id\":\"x\"}                    | bad_frame       | 0",
            "empty word                  | {\"type\":\"sub\",\"id\":7,\"topic\":\"a..b\"}      | bad_topic       | 7",
            "partial wildcard            | {\"type\":\"sub\",\"id\":8,\"topic\":\"a.b*\"}      | bad_topic       | 8",
            "publish to pattern          | {\"type\":\"pub\",\"id\":9,\"topic\":\"a.*\",\"data\":1} | bad_topic  | 9",
            "bad characters              | {\"type\":\"pub\",\"id\":10,\"topic\":\"a b\",\"data\":1} | bad_topic | 10",
            "unsub not subscribed        | {\"type\":\"unsub\",\"id\":11,\"topic\":\"never\"}  | not_subscribed  | 11",
            "bad procedure               | {\"type\":\"register\",\"id\":12,\"proc\":\"p.*\"}  | bad_procedure   | 12",
            "negative timeout            | {\"type\":\"call\",\"id\":13,\"proc\":\"p\",\"timeout\":-1} | bad_timeout | 13",
            "timeout beyond max          | {\"type\":\"call\",\"id\":14,\"proc\":\"p\",\"timeout\":999999999} | bad_timeout | 14",
    })
    void badFrameGetsDocumentedErrorAndConnectionCarriesOn(String what, String frame, String code, int id) {
        try (WsTestClient c = WsTestClient.connect(server.wsUri())) {
            c.send(frame);
            JsonNode e = c.nextJson();
            assertThat(e.path("type").asText()).isEqualTo("error");
            assertThat(e.path("code").asText()).isEqualTo(code);
            assertThat(e.path("id").asInt()).isEqualTo(id);
            assertThat(e.path("message").asText()).isNotBlank().doesNotContain("Exception").doesNotContain("\tat ");
            c.send("{\"type\":\"ping\",\"id\":99}");
            assertThat(c.nextJson().toString()).isEqualTo("{\"type\":\"pong\",\"id\":99}");
        }
    }

    @Test
    void binaryWithoutSeparator() {
        try (WsTestClient c = WsTestClient.connect(server.wsUri())) {
            c.sendBinary(new byte[] {1, 2, 3});
            assertThat(c.nextJson().path("code").asText()).isEqualTo("bad_frame");
            c.send("{\"type\":\"ping\",\"id\":1}");
            assertThat(c.nextJson().path("type").asText()).isEqualTo("pong");
        }
    }

    @Test
    void tooManySubscriptions() {
        try (WsTestClient c = WsTestClient.connect(server.wsUri())) {
            for (int i = 1; i <= 3; i++) {
                c.send("{\"type\":\"sub\",\"id\":" + i + ",\"topic\":\"t" + i + "\"}");
                assertThat(c.nextJson().path("type").asText()).isEqualTo("result");
            }
            c.send("{\"type\":\"sub\",\"id\":4,\"topic\":\"t1\"}"); // a repeat is not a new subscription
            assertThat(c.nextJson().path("type").asText()).isEqualTo("result");
            c.send("{\"type\":\"sub\",\"id\":5,\"topic\":\"t4\"}");
            JsonNode e = c.nextJson();
            assertThat(e.path("code").asText()).isEqualTo("too_many_subscriptions");
            assertThat(e.path("id").asInt()).isEqualTo(5);
        }
    }

    @Test
    void tooManyRegistrationsCountedApartFromSubscriptions() {
        try (WsTestClient c = WsTestClient.connect(server.wsUri()); WsTestClient caller = WsTestClient.connect(server.wsUri())) {
            c.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"t1\"}");
            assertThat(c.nextJson().path("type").asText()).isEqualTo("result");
            for (int i = 1; i <= 3; i++) {
                c.send("{\"type\":\"register\",\"id\":" + (10 + i) + ",\"proc\":\"limits.p" + i + "\"}");
                assertThat(c.nextJson().path("type").asText()).isEqualTo("result");
            }
            c.send("{\"type\":\"register\",\"id\":14,\"proc\":\"limits.p1\"}"); // a repeat holds nothing more
            assertThat(c.nextJson().path("type").asText()).isEqualTo("result");
            c.send("{\"type\":\"register\",\"id\":15,\"proc\":\"limits.p4\"}");
            JsonNode e = c.nextJson();
            assertThat(e.path("code").asText()).isEqualTo("too_many_subscriptions");
            assertThat(e.path("id").asInt()).isEqualTo(15);
            assertThat(e.path("message").asText()).contains("3 registrations");
            caller.send("{\"type\":\"call\",\"id\":1,\"proc\":\"limits.p4\",\"timeout\":5000}");
            assertThat(caller.nextJson().path("code").asText()).isEqualTo("no_such_procedure");
            c.send("{\"type\":\"unregister\",\"id\":16,\"proc\":\"limits.p2\"}");
            assertThat(c.nextJson().path("type").asText()).isEqualTo("result");
            c.send("{\"type\":\"register\",\"id\":17,\"proc\":\"limits.p4\"}");
            assertThat(c.nextJson().path("type").asText()).isEqualTo("result");
        }
    }

    @Test
    void oversizeMessageIsRefusedWith1009AndOthersCarryOn() {
        try (WsTestClient big = WsTestClient.connect(server.wsUri()); WsTestClient other = WsTestClient.connect(server.wsUri())) {
            big.send("{\"type\":\"pub\",\"topic\":\"a\",\"data\":\"" + "x".repeat(5000) + "\"}");
            JsonNode e = big.nextJson();
            assertThat(e.path("code").asText()).isEqualTo("message_too_large");
            WsTestClient.Received close = big.awaitClose();
            assertThat(close.closeCode()).isEqualTo(1009);
            other.send("{\"type\":\"ping\",\"id\":1}");
            assertThat(other.nextJson().path("type").asText()).isEqualTo("pong");
        }
    }

    @Test
    void batchWithOneBadFrame() {
        try (WsTestClient c = WsTestClient.connect(server.wsUri())) {
            c.send("{\"type\":\"ping\",\"id\":1}\n{bad\n{\"type\":\"ping\",\"id\":2}\n");
            assertThat(c.nextJson().path("id").asInt()).isEqualTo(1);
            assertThat(c.nextJson().path("code").asText()).isEqualTo("bad_frame");
            assertThat(c.nextJson().path("id").asInt()).isEqualTo(2);
        }
    }
}
