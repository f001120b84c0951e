package dev.ferry.server.wamp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.config.DeflateConfig;
import dev.ferry.server.config.ServerConfig;
import dev.ferry.server.config.WampConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.MessageInflater;
import dev.ferry.server.testing.RawWebSocket;
import dev.ferry.server.testing.WsTestClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/**
 * permessage-deflate on {@code /v1/wamp} ({@code websocket.deflate}): negotiated for both serializations, an EVENT
 * above the threshold is compressed once per event loop and subscription for every session of the loop that
 * negotiated it (one loop here, so once for all of them), the same bytes for each; small EVENTs and sessions without
 * the extension get it plain. The client side is written by hand ({@link RawWebSocket}, the JDK's inflater);
 * Node's {@code ws} negotiates it in {@code src/test/node/wamp-deflate.js}.
 */
class WampDeflateTest {
    private static final int THRESHOLD = 128;
    private static final String OFFER = "permessage-deflate; client_max_window_bits";
    private static final String TOPIC = "deflate.once";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper MSGPACK = new ObjectMapper(new MessagePackFactory());

    /** One event loop: every session of the test shares it, and so its encodings. */
    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c
            .withServer(new ServerConfig(c.server().host(), c.server().port(), 1, c.server().nativeTransport(),
                    c.server().shutdownGrace()))
            .withWebSocket(c.websocket().withDeflate(DeflateConfig.on(THRESHOLD)))
            .withWamp(new WampConfig(List.of(new WampConfig.Realm("app1", "app1")))));

    private final AtomicInteger framed = new AtomicInteger();
    private final AtomicInteger deflated = new AtomicInteger();

    @BeforeEach
    void hook() {
        WampHandler.eventFramed = topic -> {
            if (topic.endsWith(TOPIC)) {
                framed.incrementAndGet();
            }
        };
        WampHandler.eventDeflated = topic -> {
            if (topic.endsWith(TOPIC)) {
                deflated.incrementAndGet();
            }
        };
    }

    @AfterEach
    void unhook() {
        WampHandler.eventFramed = null;
        WampHandler.eventDeflated = null;
    }

    @Test
    void eventsAreCompressedOncePerLoopForTheSessionsThatNegotiated() throws Exception {
        List<RawWebSocket> json = new ArrayList<>();
        List<RawWebSocket> msgpack = new ArrayList<>();
        try (WsTestClient plain = WsTestClient.plain(URI.create("ws://127.0.0.1:" + server.port() + "/v1/wamp"),
                Map.of(), "wamp.2.json")) {
            for (int i = 0; i < 3; i++) {
                json.add(joinAndSubscribe(false));
                msgpack.add(joinAndSubscribe(true));
            }
            plain.send("[1,\"app1\",{\"roles\":{\"publisher\":{},\"subscriber\":{}}}]");
            assertThat(WampEndpointTest.msg(plain).get(0).asInt()).isEqualTo(2);
            plain.send("[32,1,{},\"" + TOPIC + "\"]");
            assertThat(WampEndpointTest.msg(plain).get(0).asInt()).isEqualTo(33);

            String big = "abc".repeat(400);
            plain.send("[16,1,{\"acknowledge\":true,\"exclude_me\":false},\"" + TOPIC + "\",[\"" + big + "\"]]");
            JsonNode first = WampEndpointTest.msg(plain); // PUBLISHED and EVENT, in either order
            JsonNode second = WampEndpointTest.msg(plain);
            JsonNode plainEvent = first.get(0).asInt() == 36 ? first : second;
            assertThat(List.of(first.get(0).asInt(), second.get(0).asInt())).containsExactlyInAnyOrder(17, 36);
            assertThat(plainEvent.get(4).get(0).asText()).isEqualTo(big);

            byte[] jsonBytes = null;
            for (RawWebSocket s : json) {
                RawWebSocket.Frame f = s.nextNotPing();
                assertThat(f.rsv1()).as("compressed").isTrue();
                assertThat(f.payload().length).isLessThan(big.length() / 4);
                if (jsonBytes == null) {
                    jsonBytes = f.payload();
                }
                assertThat(f.payload()).isEqualTo(jsonBytes);
                assertThat(JSON.readTree(MessageInflater.inflate(f.payload()))).isEqualTo(plainEvent);
            }
            byte[] msgpackBytes = null;
            for (RawWebSocket s : msgpack) {
                RawWebSocket.Frame f = s.nextNotPing();
                assertThat(f.rsv1()).isTrue();
                assertThat(f.opcode()).isEqualTo(0x2);
                if (msgpackBytes == null) {
                    msgpackBytes = f.payload();
                }
                assertThat(f.payload()).isEqualTo(msgpackBytes);
                JsonNode event = MSGPACK.readTree(MessageInflater.inflate(f.payload()));
                assertThat(event.get(0).asInt()).isEqualTo(36);
                assertThat(event.get(1).asLong()).isEqualTo(plainEvent.get(1).asLong()); // one subscription id per realm
                assertThat(event.get(4).get(0).asText()).isEqualTo(big);
            }
            // one loop: the EVENT framed once per serialization, and compressed once per serialization
            assertThat(framed.get()).isEqualTo(2);
            assertThat(deflated.get()).as("compressions of the EVENT for six sessions on one loop").isEqualTo(2);

            plain.send("[16,2,{\"exclude_me\":false},\"" + TOPIC + "\",[\"small\"]]");
            assertThat(WampEndpointTest.msg(plain).get(4).get(0).asText()).isEqualTo("small");
            for (RawWebSocket s : json) {
                RawWebSocket.Frame f = s.nextNotPing();
                assertThat(f.rsv1()).as("below the threshold: plain").isFalse();
                assertThat(JSON.readTree(f.payload()).get(4).get(0).asText()).isEqualTo("small");
            }
            for (RawWebSocket s : msgpack) {
                RawWebSocket.Frame f = s.nextNotPing();
                assertThat(f.rsv1()).isFalse();
                assertThat(MSGPACK.readTree(f.payload()).get(4).get(0).asText()).isEqualTo("small");
            }
            assertThat(deflated.get()).isEqualTo(2);
        } finally {
            for (RawWebSocket s : json) {
                s.close();
            }
            for (RawWebSocket s : msgpack) {
                s.close();
            }
        }
    }

    /** A session of realm app1 that negotiated permessage-deflate, subscribed to {@link #TOPIC}. */
    private static RawWebSocket joinAndSubscribe(boolean binary) throws Exception {
        RawWebSocket s = RawWebSocket.connectOffering(server.port(), "/v1/wamp",
                binary ? "wamp.2.msgpack" : "wamp.2.json", OFFER);
        assertThat(extensions(s)).startsWith("permessage-deflate").contains("server_no_context_takeover");
        send(s, binary, "[1,\"app1\",{\"roles\":{\"subscriber\":{}}}]");
        assertThat(read(s, binary).get(0).asInt()).isEqualTo(2);
        send(s, binary, "[32,1,{},\"" + TOPIC + "\"]");
        assertThat(read(s, binary).get(0).asInt()).isEqualTo(33);
        return s;
    }

    private static void send(RawWebSocket s, boolean binary, String json) throws Exception {
        if (binary) {
            s.sendFrame(0x82, MSGPACK.writeValueAsBytes(JSON.readTree(json)));
        } else {
            s.sendFrame(0x81, json.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static JsonNode read(RawWebSocket s, boolean binary) throws Exception {
        RawWebSocket.Frame f = s.nextNotPing();
        byte[] payload = f.rsv1() ? MessageInflater.inflate(f.payload()) : f.payload();
        return (binary ? MSGPACK : JSON).readTree(payload);
    }

    /** The value of Sec-WebSocket-Extensions in the 101 answer, or null. */
    private static String extensions(RawWebSocket ws) {
        for (String line : ws.head().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("sec-websocket-extensions:")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return null;
    }
}
