package dev.ferry.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.config.DeflateConfig;
import dev.ferry.server.config.WebSocketConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.MessageInflater;
import dev.ferry.server.testing.RawWebSocket;
import dev.ferry.server.testing.WsTestClient;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * permessage-deflate (RFC 7692, {@code websocket.deflate}): negotiation, publications compressed for the
 * connections that negotiated it and plain for the others, compressed client messages inflated, and the bounds on
 * what a client's compressed message may inflate to. The client side is written by hand ({@link RawWebSocket} and
 * the JDK's deflater), independent of the server's Netty code; Node's {@code ws} negotiates it in
 * {@code src/test/node/deflate.js}.
 */
class DeflateTest {
    private static final int THRESHOLD = 256;
    private static final int MAX_MESSAGE = 64 * 1024;
    private static final String OFFER = "permessage-deflate; client_max_window_bits";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c.withWebSocket(
            new WebSocketConfig(MAX_MESSAGE, Duration.ofSeconds(10), Duration.ofSeconds(25), Duration.ofSeconds(60), 1000,
            4 << 20, Duration.ofSeconds(10), DeflateConfig.on(THRESHOLD))));

    @RegisterExtension
    static final FerryServerExtension plainServer = new FerryServerExtension();

    @Test
    void negotiatedWithoutServerContextTakeoverOnEveryEndpoint() throws Exception {
        for (String[] endpoint : new String[][] {{"/v1/ws", "ferry.v1"}, {"/v1/multiplex", null},
                {"/v1/topics/a/b", null}}) {
            try (RawWebSocket ws = RawWebSocket.connectOffering(server.port(), endpoint[0], endpoint[1], OFFER)) {
                assertThat(extensions(ws)).as(endpoint[0]).startsWith("permessage-deflate")
                        .contains("server_no_context_takeover");
            }
        }
    }

    @Test
    void offIsTheDefaultAndServerWindowBitsAreDeclined() throws Exception {
        try (RawWebSocket ws = RawWebSocket.connectOffering(plainServer.port(), "/v1/ws", "ferry.v1", OFFER)) {
            assertThat(extensions(ws)).isNull();
        }
        try (RawWebSocket ws = RawWebSocket.connectOffering(server.port(), "/v1/ws", "ferry.v1",
                "permessage-deflate; server_max_window_bits=10")) {
            assertThat(extensions(ws)).isNull();
        }
    }

    @Test
    void publicationsAreCompressedAboveTheThresholdForThoseThatNegotiated() throws Exception {
        try (RawWebSocket a = RawWebSocket.connectOffering(server.port(), "/v1/ws", "ferry.v1", OFFER);
                RawWebSocket b = RawWebSocket.connectOffering(server.port(), "/v1/ws", "ferry.v1", OFFER);
                WsTestClient plain = WsTestClient.connect(server.wsUri());
                WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            for (RawWebSocket s : new RawWebSocket[] {a, b}) {
                s.sendFrame(0x81, "{\"type\":\"sub\",\"id\":1,\"topic\":\"big\"}".getBytes(StandardCharsets.UTF_8));
                assertThat(s.nextNotPing().text()).contains("\"result\"");
            }
            plain.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"big\"}");
            plain.nextJson();
            String text = "x".repeat(2000);
            pub.send("{\"type\":\"pub\",\"topic\":\"big\",\"data\":\"" + text + "\"}");
            pub.send("{\"type\":\"pub\",\"topic\":\"big\",\"data\":\"small\"}");

            JsonNode expected = plain.nextJson();
            assertThat(expected.path("data").asText()).isEqualTo(text);
            RawWebSocket.Frame fa = a.nextNotPing();
            RawWebSocket.Frame fb = b.nextNotPing();
            assertThat(fa.rsv1()).isTrue();
            assertThat(fa.payload().length).isLessThan(200);
            assertThat(fb.payload()).isEqualTo(fa.payload()); // no context: the same bytes for every connection
            assertThat(JSON.readTree(MessageInflater.inflate(fa.payload()))).isEqualTo(expected);

            assertThat(plain.nextJson().path("data").asText()).isEqualTo("small");
            RawWebSocket.Frame small = a.nextNotPing();
            assertThat(small.rsv1()).isFalse();
            assertThat(JSON.readTree(small.payload()).path("data").asText()).isEqualTo("small");
        }
    }

    @Test
    void aPerTopicSocketGetsCompressedPublicationsAndTheMultiplexerItsMessages() throws Exception {
        try (RawWebSocket topic = RawWebSocket.connectOffering(server.port(), "/v1/topics/room/deflate", null, OFFER);
                RawWebSocket mux = RawWebSocket.connectOffering(server.port(), "/v1/multiplex", null, OFFER);
                WsTestClient pub = WsTestClient.connect(server.wsUri())) {
            mux.sendFrame(0x81, "sub,room.deflate".getBytes(StandardCharsets.UTF_8));
            assertThat(mux.nextNotPing().text()).isEqualTo("sub,room.deflate"); // answered once subscribed
            pub.send("{\"type\":\"pub\",\"id\":2,\"ack\":true,\"topic\":\"room.deflate\",\"data\":1}");
            pub.nextJson();
            assertThat(topic.nextNotPing().text()).isEqualTo("1"); // small: uncompressed
            assertThat(mux.nextNotPing().text()).isEqualTo("msg,room.deflate,1");

            String text = "{\"y\":\"" + "z".repeat(1000) + "\"}";
            pub.send("{\"type\":\"pub\",\"topic\":\"room.deflate\",\"data\":" + text + "}");
            RawWebSocket.Frame t = topic.nextNotPing();
            assertThat(t.rsv1()).isTrue();
            assertThat(new String(MessageInflater.inflate(t.payload()), StandardCharsets.UTF_8)).isEqualTo(text);
            RawWebSocket.Frame m = mux.nextNotPing();
            assertThat(m.rsv1()).isTrue();
            assertThat(new String(MessageInflater.inflate(m.payload()), StandardCharsets.UTF_8)).isEqualTo("msg,room.deflate," + text);
        }
    }

    @Test
    void compressedClientMessagesAreInflated() throws Exception {
        try (RawWebSocket c = RawWebSocket.connectOffering(server.port(), "/v1/ws", "ferry.v1", OFFER)) {
            String pub = "{\"type\":\"pub\",\"id\":7,\"ack\":true,\"topic\":\"in\",\"data\":\"" + "q".repeat(3000) + "\"}";
            c.sendFrame(0xC1, deflate(pub.getBytes(StandardCharsets.UTF_8)));
            JsonNode ack = JSON.readTree(c.nextNotPing().payload());
            assertThat(ack.path("type").asText()).isEqualTo("result");
            assertThat(ack.path("id").asInt()).isEqualTo(7);
        }
    }

    @Test
    void aMessageInflatingBeyondTheLimitClosesWith1009() throws Exception {
        byte[] bomb = ("{\"type\":\"pub\",\"topic\":\"x\",\"data\":\"" + " ".repeat(16 << 20) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] compressed = deflate(bomb);
        assertThat(compressed.length).isLessThan(MAX_MESSAGE); // the frame itself is within the limit
        try (RawWebSocket c = RawWebSocket.connectOffering(server.port(), "/v1/ws", "ferry.v1", OFFER)) {
            c.sendFrame(0xC1, compressed);
            RawWebSocket.Frame close = nextClose(c);
            assertThat(close.closeCode()).isEqualTo(1009);
        }
        stillServes();
    }

    @Test
    void dataThatDoesNotInflateClosesWith1007() throws Exception {
        try (RawWebSocket c = RawWebSocket.connectOffering(server.port(), "/v1/ws", "ferry.v1", OFFER)) {
            c.sendFrame(0xC1, new byte[] {(byte) 0xff, (byte) 0xff, 1, 2, 3, 4, 5, 6});
            assertThat(nextClose(c).closeCode()).isEqualTo(1007);
        }
        stillServes();
    }

    @Test
    void reservedBitsWithoutTheExtensionCloseWith1002() throws Exception {
        try (RawWebSocket c = RawWebSocket.connect(server.port(), "/v1/ws", "ferry.v1")) {
            c.sendFrame(0xC1, deflate("{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8)));
            assertThat(nextClose(c).closeCode()).isEqualTo(1002);
        }
        try (RawWebSocket c = RawWebSocket.connectOffering(server.port(), "/v1/ws", "ferry.v1", OFFER)) {
            c.sendFrame(0xA1, "{}".getBytes(StandardCharsets.UTF_8)); // RSV2
            assertThat(nextClose(c).closeCode()).isEqualTo(1002);
        }
        stillServes();
    }

    private static void stillServes() throws Exception {
        try (WsTestClient c = WsTestClient.connect(server.wsUri())) {
            c.send("{\"type\":\"pub\",\"id\":1,\"ack\":true,\"topic\":\"after\",\"data\":1}");
            assertThat(c.nextJson().path("type").asText()).isEqualTo("result");
        }
    }

    private static RawWebSocket.Frame nextClose(RawWebSocket c) throws Exception {
        RawWebSocket.Frame f;
        do {
            f = c.nextNotPing();
        } while (f.opcode() != RawWebSocket.CLOSE);
        return f;
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

    /** RFC 7692 §7.2.1, as a client does it: raw deflate, SYNC_FLUSH, 00 00 ff ff removed. */
    private static byte[] deflate(byte[] data) {
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        d.setInput(data);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        do {
            n = d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
            out.write(buf, 0, n);
        } while (n == buf.length);
        d.end();
        byte[] all = out.toByteArray();
        return java.util.Arrays.copyOf(all, all.length - 4);
    }
}
