package dev.ferry.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The framing of every codec, without sockets: what a session sends, and what it makes of what peers send. */
class PeerCodecsTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long T = 1_700_000_000_123L;

    private final RecordingSink sink = new RecordingSink();

    @AfterEach
    void release() {
        sink.release();
    }

    private static void read(PeerSession s, WebSocketFrame frame, PeerSink sink) {
        try {
            s.read(frame, sink);
        } finally {
            frame.release();
        }
    }

    private static TextWebSocketFrame text(String s) {
        return new TextWebSocketFrame(Unpooled.copiedBuffer(s, StandardCharsets.UTF_8));
    }

    private static BinaryWebSocketFrame binary(byte[] b) {
        return new BinaryWebSocketFrame(Unpooled.wrappedBuffer(b));
    }

    private static BinaryWebSocketFrame binary(String s) {
        return binary(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String published(PeerSession s, String topic) {
        WebSocketFrame f = s.publish(ALLOC, topic, T);
        try {
            return f.content().toString(StandardCharsets.ISO_8859_1);
        } finally {
            f.release();
        }
    }

    @Test
    void codecsAreFoundByName() {
        for (String name : new String[] {"ferry", "ws", "socketio", "nats", "mqtt", "stomp", "sockjs", "wamp"}) {
            assertThat(PeerCodecs.byName(name).name()).isEqualTo(name);
        }
    }

    @Test
    void ferrySubscribesPublishesAndReadsBatchedMessages() throws Exception {
        PeerSession s = new FerryCodec().session();
        s.open(ALLOC, "bench.t", sink);
        assertThat(sink.ready).isEqualTo(1);
        assertThat(JSON.readTree(sink.sentText(0)).toString()).isEqualTo("{\"type\":\"sub\",\"id\":1,\"topic\":\"bench.t\"}");

        JsonNode pub = JSON.readTree(published(s, "bench.t"));
        assertThat(pub.path("type").asText()).isEqualTo("pub");
        assertThat(pub.path("topic").asText()).isEqualTo("bench.t");
        assertThat(pub.path("data").asText()).isEqualTo(Payload.string(T));

        read(s, text("{\"type\":\"result\",\"id\":1,\"data\":{\"topic\":\"bench.t\"}}"), sink);
        assertThat(sink.subscribed).isEqualTo(1);
        read(s, text("{\"type\":\"msg\",\"topic\":\"bench.t\",\"offset\":1,\"data\":\"" + Payload.string(5) + "\"}\n"
                + "{\"type\":\"msg\",\"topic\":\"bench.t\",\"offset\":2,\"data\":\"" + Payload.string(6) + "\"}"), sink);
        assertThat(sink.deliveries).containsExactly(5L, 6L);
        read(s, text("{\"type\":\"error\",\"id\":1,\"code\":\"forbidden\",\"message\":\"no\"}"), sink);
        assertThat(sink.errors).hasSize(1);
    }

    @Test
    void broadcastSendsTheBarePayload() {
        PeerSession s = new BroadcastCodec().session();
        s.open(ALLOC, "bench.t", sink);
        assertThat(sink.ready).isEqualTo(1);
        assertThat(sink.subscribed).isEqualTo(1);
        assertThat(published(s, "bench.t")).isEqualTo(Payload.string(T));
        read(s, text(Payload.string(9)), sink);
        assertThat(sink.deliveries).containsExactly(9L);
        read(s, text("hello"), sink);
        assertThat(sink.errors).hasSize(1);
    }

    @Test
    void socketIoWaitsForTheNamespaceBeforeSubscribingAndAnswersPings() throws Exception {
        PeerSession s = new SocketIoCodec().session();
        s.open(ALLOC, "bench.t", sink);
        assertThat(sink.sentText(0)).isEqualTo("40");
        read(s, text("0{\"sid\":\"a\",\"upgrades\":[],\"pingInterval\":10000,\"pingTimeout\":20000}"), sink);
        assertThat(sink.ready).isZero();
        assertThat(sink.sent).hasSize(1);

        read(s, text("40{\"sid\":\"b\"}"), sink);
        assertThat(sink.ready).isEqualTo(1);
        assertThat(sink.sentText(1)).isEqualTo("420[\"sub\",\"bench.t\"]");
        read(s, text("430[\"ok\"]"), sink);
        assertThat(sink.subscribed).isEqualTo(1);

        read(s, text("2"), sink);
        assertThat(sink.sentText(2)).isEqualTo("3");

        read(s, text("42[\"msg\",\"" + Payload.string(11) + "\"]"), sink);
        assertThat(sink.deliveries).containsExactly(11L);

        String pub = published(s, "bench.t");
        assertThat(pub).startsWith("42");
        JsonNode event = JSON.readTree(pub.substring(2));
        assertThat(event.get(0).asText()).isEqualTo("pub");
        assertThat(event.get(1).asText()).isEqualTo("bench.t");
        assertThat(event.get(2).asText()).isEqualTo(Payload.string(T));

        read(s, text("44{\"message\":\"refused\"}"), sink);
        assertThat(sink.errors).hasSize(1);
    }

    @Test
    void natsPipelinesConnectSubAndPingAndReassemblesSplitMessages() {
        PeerSession s = new NatsCodec().session();
        s.open(ALLOC, "bench.t", sink);
        assertThat(sink.sent.get(0)).isInstanceOf(BinaryWebSocketFrame.class);
        assertThat(sink.sentText(0)).startsWith("CONNECT {").contains("\"verbose\":false")
                .endsWith("}\r\nSUB bench.t 1\r\nPING\r\n");
        read(s, binary("INFO {\"server_id\":\"x\",\"max_payload\":1048576}\r\n"), sink);
        assertThat(sink.ready).isZero();
        read(s, binary("PONG\r\n"), sink);
        assertThat(sink.ready).isEqualTo(1);
        assertThat(sink.subscribed).isEqualTo(1);

        read(s, binary("PING\r\n"), sink);
        assertThat(sink.sentText(1)).isEqualTo("PONG\r\n");

        String one = "MSG bench.t 1 128\r\n" + Payload.string(21) + "\r\n";
        String two = "MSG bench.t 1 _INBOX.x 128\r\n" + Payload.string(22) + "\r\n";
        String both = one + two;
        read(s, binary(both.substring(0, 10)), sink);
        read(s, binary(both.substring(10, one.length() + 40)), sink);
        assertThat(sink.deliveries).containsExactly(21L);
        read(s, binary(both.substring(one.length() + 40)), sink);
        assertThat(sink.deliveries).containsExactly(21L, 22L);

        assertThat(published(s, "bench.t")).isEqualTo("PUB bench.t 128\r\n" + Payload.string(T) + "\r\n");
        read(s, binary("-ERR 'Slow Consumer Detected'\r\n"), sink);
        assertThat(sink.errors).hasSize(1);
        s.close();
    }

    @Test
    void mqttConnectsSubscribesAndReadsPublishesWhateverTheMessageBoundaries() {
        MqttCodec codec = new MqttCodec();
        assertThat(codec.topic("bench.t")).isEqualTo("bench/t");
        PeerSession s = codec.session();
        s.open(ALLOC, "bench/t", sink);
        byte[] connect = ByteBufBytes.of(sink.sent.get(0).content());
        assertThat(connect[0]).isEqualTo((byte) 0x10);
        assertThat(connect[1]).isEqualTo((byte) (connect.length - 2));
        assertThat(new String(connect, 4, 4, StandardCharsets.US_ASCII)).isEqualTo("MQTT");
        assertThat(connect[8]).isEqualTo((byte) 4); // protocol level: 3.1.1
        assertThat(connect[9]).isEqualTo((byte) 0x02); // clean session
        assertThat(((connect[10] & 0xFF) << 8) | (connect[11] & 0xFF)).isEqualTo(MqttCodec.KEEP_ALIVE_SECONDS);

        read(s, binary(new byte[] {0x20, 2, 0, 0}), sink);
        assertThat(sink.ready).isEqualTo(1);
        byte[] subscribe = ByteBufBytes.of(sink.sent.get(1).content());
        assertThat(subscribe).containsExactly(0x82, 12, 0, 1, 0, 7, 'b', 'e', 'n', 'c', 'h', '/', 't', 0);
        read(s, binary(new byte[] {(byte) 0x90, 3, 0, 1, 0}), sink);
        assertThat(sink.subscribed).isEqualTo(1);

        // a PUBLISH as the broker forwards it is the PUBLISH the publisher sent (QoS 0): two of them, split
        WebSocketFrame a = s.publish(ALLOC, "bench/t", 31);
        WebSocketFrame b = s.publish(ALLOC, "bench/t", 32);
        byte[] pa = ByteBufBytes.of(a.content());
        byte[] pb = ByteBufBytes.of(b.content());
        a.release();
        b.release();
        assertThat(pa[0]).isEqualTo((byte) 0x30);
        assertThat(pa.length).isEqualTo(3 + 2 + 7 + Payload.BYTES); // remaining length 137 takes two bytes
        byte[] both = new byte[pa.length + pb.length];
        System.arraycopy(pa, 0, both, 0, pa.length);
        System.arraycopy(pb, 0, both, pa.length, pb.length);
        read(s, binary(java.util.Arrays.copyOfRange(both, 0, 2)), sink);
        read(s, binary(java.util.Arrays.copyOfRange(both, 2, pa.length + 5)), sink);
        assertThat(sink.deliveries).containsExactly(31L);
        read(s, binary(java.util.Arrays.copyOfRange(both, pa.length + 5, both.length)), sink);
        assertThat(sink.deliveries).containsExactly(31L, 32L);

        WebSocketFrame ping = s.heartbeat(ALLOC);
        assertThat(ByteBufBytes.of(ping.content())).containsExactly(0xC0, 0);
        ping.release();
        read(s, binary(new byte[] {(byte) 0xD0, 0}), sink);
        assertThat(sink.errors).isEmpty();

        PeerSession refused = codec.session();
        RecordingSink other = new RecordingSink();
        refused.open(ALLOC, null, other);
        read(refused, binary(new byte[] {0x20, 2, 0, 5}), other);
        assertThat(other.errors).hasSize(1);
        assertThat(other.ready).isZero();
        other.release();
        s.close();
        refused.close();
    }

    @Test
    void stompConnectsSubscribesWithAReceiptAndReadsMessages() {
        StompCodec codec = new StompCodec();
        assertThat(codec.topic("bench.t")).isEqualTo("/topic/bench.t");
        PeerSession s = codec.session();
        s.open(ALLOC, "/topic/bench.t", sink);
        assertThat(sink.sentText(0)).startsWith("CONNECT\n").contains("accept-version:1.2\n", "host:/\n").endsWith("\n\n\0");
        read(s, text("CONNECTED\nversion:1.2\nheart-beat:10000,0\n\n\0"), sink);
        assertThat(sink.ready).isEqualTo(1);
        assertThat(sink.sentText(1)).startsWith("SUBSCRIBE\n").contains("destination:/topic/bench.t\n", "receipt:sub-0\n");
        read(s, text("RECEIPT\nreceipt-id:sub-0\n\n\0"), sink);
        assertThat(sink.subscribed).isEqualTo(1);
        read(s, text("\n"), sink);
        read(s, text("MESSAGE\nsubscription:0\ndestination:/topic/bench.t\nmessage-id:T_0@@session-Ab@@1\n"
                + "content-length:128\n\n" + Payload.string(41) + "\0\nMESSAGE\nsubscription:0\n\n"
                + Payload.string(42) + "\0"), sink);
        assertThat(sink.deliveries).containsExactly(41L, 42L);
        assertThat(published(s, "/topic/bench.t")).isEqualTo("SEND\ndestination:/topic/bench.t\ncontent-type:text/plain\n"
                + "content-length:128\n\n" + Payload.string(T) + "\0");
        read(s, text("ERROR\nmessage:access refused\n\n\0"), sink);
        assertThat(sink.errors).hasSize(1);
    }

    @Test
    void sockJsRegistersOnOpenAndTakesTheProbeAnswerAsTheAcknowledgement() throws Exception {
        PeerSession s = new SockJsCodec().session();
        s.open(ALLOC, "bench.t", sink);
        assertThat(sink.sent).isEmpty();
        read(s, text("o"), sink);
        assertThat(sink.ready).isEqualTo(1);
        JsonNode register = JSON.readTree(JSON.readTree(sink.sentText(0)).get(0).asText());
        assertThat(register.path("type").asText()).isEqualTo("register");
        assertThat(register.path("address").asText()).isEqualTo("bench.t");
        JsonNode probe = JSON.readTree(JSON.readTree(sink.sentText(1)).get(0).asText());
        assertThat(probe.path("type").asText()).isEqualTo("send");
        assertThat(probe.path("replyAddress").asText()).isNotEmpty();
        read(s, text("a[\"{\\\"type\\\":\\\"err\\\",\\\"failureCode\\\":-1,\\\"failureType\\\":\\\"NO_HANDLERS\\\"}\"]"), sink);
        assertThat(sink.subscribed).isEqualTo(1);
        assertThat(sink.errors).isEmpty();

        read(s, text("h"), sink);
        read(s, text("a[\"{\\\"type\\\":\\\"rec\\\",\\\"address\\\":\\\"bench.t\\\",\\\"body\\\":\\\"" + Payload.string(51)
                + "\\\"}\",\"{\\\"type\\\":\\\"rec\\\",\\\"address\\\":\\\"bench.t\\\",\\\"body\\\":\\\"" + Payload.string(52)
                + "\\\"}\"]"), sink);
        assertThat(sink.deliveries).containsExactly(51L, 52L);

        JsonNode pub = JSON.readTree(JSON.readTree(published(s, "bench.t")).get(0).asText());
        assertThat(pub.path("type").asText()).isEqualTo("publish");
        assertThat(pub.path("address").asText()).isEqualTo("bench.t");
        assertThat(pub.path("body").asText()).isEqualTo(Payload.string(T));
        WebSocketFrame ping = s.heartbeat(ALLOC);
        assertThat(JSON.readTree(JSON.readTree(ping.content().toString(StandardCharsets.UTF_8)).get(0).asText())
                .path("type").asText()).isEqualTo("ping");
        ping.release();

        read(s, text("a[\"{\\\"type\\\":\\\"err\\\",\\\"body\\\":\\\"access_denied\\\"}\"]"), sink);
        assertThat(sink.errors).hasSize(1);
    }

    @Test
    void ferryRpcCalleeEchoesTheArgumentsAndTheCallerReadsTheResult() throws Exception {
        PeerSession callee = FerryRpcCodecs.callee().session();
        callee.open(ALLOC, null, sink);
        assertThat(JSON.readTree(sink.sentText(0)).path("type").asText()).isEqualTo("register");
        read(callee, text("{\"type\":\"result\",\"id\":1,\"data\":null}"), sink);
        assertThat(sink.ready).isEqualTo(1);
        read(callee, text("{\"type\":\"invoke\",\"id\":417,\"proc\":\"bench.echo\",\"args\":\"" + Payload.string(61) + "\"}"),
                sink);
        JsonNode reply = JSON.readTree(sink.sentText(1));
        assertThat(reply.path("type").asText()).isEqualTo("reply");
        assertThat(reply.path("id").asLong()).isEqualTo(417);
        assertThat(reply.path("data").asText()).isEqualTo(Payload.string(61));

        RecordingSink callerSink = new RecordingSink();
        PeerSession caller = FerryRpcCodecs.caller().session();
        caller.open(ALLOC, null, callerSink);
        assertThat(callerSink.ready).isEqualTo(1);
        JsonNode call = JSON.readTree(published(caller, "bench.echo"));
        assertThat(call.path("type").asText()).isEqualTo("call");
        assertThat(call.path("proc").asText()).isEqualTo("bench.echo");
        assertThat(call.path("args").asText()).isEqualTo(Payload.string(T));
        assertThat(JSON.readTree(published(caller, "bench.echo")).path("id").asLong()).isEqualTo(call.path("id").asLong() + 1);
        read(caller, text("{\"type\":\"result\",\"id\":1,\"data\":\"" + Payload.string(62) + "\"}"), callerSink);
        assertThat(callerSink.deliveries).containsExactly(62L);
        read(caller, text("{\"type\":\"error\",\"id\":2,\"code\":\"no_such_procedure\",\"message\":\"x\"}"), callerSink);
        assertThat(callerSink.errors).hasSize(1);
        callerSink.release();
    }

    /** Bytes of a buffer, without moving its indexes. */
    private static final class ByteBufBytes {
        static byte[] of(ByteBuf buf) {
            byte[] b = new byte[buf.readableBytes()];
            buf.getBytes(buf.readerIndex(), b);
            return b;
        }
    }

    @Test
    void wampJoinsSubscribesPublishesAndReadsEvents() throws Exception {
        PeerSession s = WampCodecs.fanout().session();
        s.open(ALLOC, "bench.t", sink);
        assertThat(JSON.readTree(sink.sentText(0)).get(0).asInt()).isEqualTo(1); // HELLO
        assertThat(sink.ready).isZero();
        read(s, text("[2,42,{\"realm\":\"realm1\"}]"), sink);
        assertThat(sink.ready).isEqualTo(1);
        assertThat(sink.sentText(1)).isEqualTo("[32,1,{},\"bench.t\"]");
        read(s, text("[33,1,7]"), sink);
        assertThat(sink.subscribed).isEqualTo(1);
        JsonNode pub = JSON.readTree(published(s, "bench.t"));
        assertThat(pub.get(0).asInt()).isEqualTo(16);
        assertThat(pub.get(3).asText()).isEqualTo("bench.t");
        assertThat(pub.get(4).get(0).asText()).isEqualTo(Payload.string(T));
        read(s, text("[36,7,99,{\"topic\":\"bench.t\"},[\"" + Payload.string(5) + "\"]]"), sink);
        assertThat(sink.deliveries).containsExactly(5L);
        read(s, text("[8,32,1,{},\"wamp.error.not_authorized\",[\"no\"]]"), sink);
        assertThat(sink.errors).hasSize(1);
    }

    @Test
    void wampCalleeYieldsWhatItIsInvokedWith() throws Exception {
        PeerSession callee = WampCodecs.callee().session();
        callee.open(ALLOC, null, sink);
        read(callee, text("[2,42,{}]"), sink);
        assertThat(sink.sentText(1)).isEqualTo("[64,1,{},\"" + WampCodecs.PROCEDURE + "\"]");
        read(callee, text("[65,1,9]"), sink);
        assertThat(sink.ready).isEqualTo(1);
        read(callee, text("[68,123,9,{},[\"" + Payload.string(8) + "\"]]"), sink);
        JsonNode yield = JSON.readTree(sink.sentText(2));
        assertThat(yield.toString()).isEqualTo("[70,123,{},[\"" + Payload.string(8) + "\"]]");
        PeerSession caller = WampCodecs.caller().session();
        JsonNode call = JSON.readTree(published(caller, WampCodecs.PROCEDURE));
        assertThat(call.get(0).asInt()).isEqualTo(48);
        assertThat(call.get(3).asText()).isEqualTo(WampCodecs.PROCEDURE);
        read(caller, text("[50,1,{},[\"" + Payload.string(3) + "\"]]"), sink);
        assertThat(sink.deliveries).containsExactly(3L);
    }
}
