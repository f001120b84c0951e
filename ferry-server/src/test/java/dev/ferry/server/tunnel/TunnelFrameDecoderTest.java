package dev.ferry.server.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The tunnel's frame decoder reads what Netty's encoders write (masked as a client's, or not as a gateway's), cut
 * into reads at any point, and refuses what RFC 6455 forbids with the close status Netty's decoder gives.
 */
class TunnelFrameDecoderTest {
    private static final int MAX = 1 << 20;

    /** The bytes Netty's encoder writes for {@code frames} (masked as a client's when {@code masked}). */
    private static byte[] encode(boolean masked, WebSocketFrame... frames) {
        EmbeddedChannel enc = new EmbeddedChannel(new WebSocket08FrameEncoder(masked));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (WebSocketFrame f : frames) {
            enc.writeOutbound(f);
        }
        for (ByteBuf b; (b = enc.readOutbound()) != null; ) {
            out.writeBytes(ByteBufUtil.getBytes(b));
            b.release();
        }
        enc.finishAndReleaseAll();
        return out.toByteArray();
    }

    /** Feeds {@code wire} to a decoder in reads cut at {@code cuts} (direct pooled buffers, as a socket gives). */
    private static List<WebSocketFrame> decode(boolean masked, byte[] wire, int... cuts) {
        EmbeddedChannel ch = new EmbeddedChannel(new TunnelFrameDecoder(masked, MAX));
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int to = i < cuts.length ? cuts[i] : wire.length;
            ByteBuf read = PooledByteBufAllocator.DEFAULT.directBuffer(to - from);
            read.writeBytes(wire, from, to - from);
            ch.writeInbound(read);
            from = to;
        }
        ch.checkException();
        List<WebSocketFrame> got = new ArrayList<>();
        for (WebSocketFrame f; (f = ch.readInbound()) != null; ) {
            got.add(f);
        }
        assertThat(ch.finish()).isFalse();
        return got;
    }

    /** The data frames' bytes in order, releasing every frame. */
    private static byte[] data(List<WebSocketFrame> frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (WebSocketFrame f : frames) {
            if (f instanceof BinaryWebSocketFrame || f instanceof ContinuationWebSocketFrame) {
                out.writeBytes(ByteBufUtil.getBytes(f.content()));
            }
            f.release();
        }
        return out.toByteArray();
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void framesCutAtEveryPointReadBackAsTheirBytes(boolean masked) {
        byte[] a = random(200, 1); // 16-bit length
        byte[] b = random(70_000, 2); // 64-bit length
        byte[] c = random(5, 3); // 7-bit length
        byte[] wire = encode(masked, new BinaryWebSocketFrame(Unpooled.wrappedBuffer(a)),
                new BinaryWebSocketFrame(Unpooled.wrappedBuffer(b)), new BinaryWebSocketFrame(Unpooled.wrappedBuffer(c)));
        byte[] all = new byte[a.length + b.length + c.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        System.arraycopy(c, 0, all, a.length + b.length, c.length);
        assertThat(data(decode(masked, wire))).isEqualTo(all);
        // one cut anywhere in the first frame, its header included
        for (int cut = 1; cut < 220; cut++) {
            assertThat(data(decode(masked, wire, cut))).as("cut at %d", cut).isEqualTo(all);
        }
        // cuts around the second frame's header and at odd offsets in its payload
        int second = wire.length - b.length - (masked ? 4 : 0) - 10 - c.length - (masked ? 4 : 0) - 2;
        for (int cut = second - 3; cut < second + 20; cut++) {
            assertThat(data(decode(masked, wire, cut, cut + 1, cut + 7, cut + 40_001))).as("cuts from %d", cut).isEqualTo(all);
        }
    }

    @Test
    void aDataFrameIsPassedOnAsItArrivesAndItsLastChunkIsFinal() {
        byte[] payload = random(10_000, 4);
        byte[] wire = encode(true, new BinaryWebSocketFrame(Unpooled.wrappedBuffer(payload)));
        List<WebSocketFrame> got = decode(true, wire, 1000, 5000);
        assertThat(got).hasSize(3);
        assertThat(got.get(0)).isInstanceOf(BinaryWebSocketFrame.class);
        assertThat(got.get(0).isFinalFragment()).isFalse();
        assertThat(got.get(1)).isInstanceOf(ContinuationWebSocketFrame.class);
        assertThat(got.get(1).isFinalFragment()).isFalse();
        assertThat(got.get(2)).isInstanceOf(ContinuationWebSocketFrame.class);
        assertThat(got.get(2).isFinalFragment()).isTrue();
        assertThat(data(got)).isEqualTo(payload);
    }

    @Test
    void aMessageInFragmentsWithControlFramesBetween() {
        byte[] x = random(3000, 5);
        byte[] y = random(4000, 6);
        byte[] wire = encode(true,
                new BinaryWebSocketFrame(false, 0, Unpooled.wrappedBuffer(x)),
                new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})),
                new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(y)),
                new PongWebSocketFrame(Unpooled.EMPTY_BUFFER),
                new CloseWebSocketFrame(1000, "bye"));
        for (int cut : new int[] {3001, 3006, 3008, 3010, wire.length - 3}) {
            List<WebSocketFrame> got = decode(true, wire, cut);
            assertThat(got.stream().filter(f -> f instanceof PingWebSocketFrame).findFirst().orElseThrow().content())
                    .isEqualTo(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
            assertThat(got.stream().anyMatch(f -> f instanceof PongWebSocketFrame)).isTrue();
            CloseWebSocketFrame close = (CloseWebSocketFrame) got.get(got.size() - 1);
            assertThat(close.statusCode()).isEqualTo(1000);
            assertThat(close.reasonText()).isEqualTo("bye");
            ByteArrayOutputStream both = new ByteArrayOutputStream();
            both.writeBytes(x);
            both.writeBytes(y);
            assertThat(data(got)).isEqualTo(both.toByteArray());
        }
    }

    @Test
    void textFramesAreTextFrames() {
        List<WebSocketFrame> got = decode(true, encode(true, new TextWebSocketFrame("hello")));
        assertThat(got).hasSize(1);
        assertThat(got.get(0)).isInstanceOf(TextWebSocketFrame.class);
        assertThat(((TextWebSocketFrame) got.get(0)).text()).isEqualTo("hello");
        got.get(0).release();
        got = decode(true, encode(true, new TextWebSocketFrame("")));
        assertThat(got.get(0)).isInstanceOf(TextWebSocketFrame.class);
        got.get(0).release();
    }

    @Test
    void aBufferHeldElsewhereIsNotWrittenOver() {
        byte[] payload = random(5000, 7);
        byte[] wire = encode(true, new BinaryWebSocketFrame(Unpooled.wrappedBuffer(payload)));
        EmbeddedChannel ch = new EmbeddedChannel(new TunnelFrameDecoder(true, MAX));
        ByteBuf shared = Unpooled.directBuffer(wire.length).writeBytes(wire);
        shared.retain();
        ch.writeInbound(shared);
        ByteBuf readOnly = Unpooled.wrappedBuffer(wire).asReadOnly();
        ch.writeInbound(readOnly);
        assertThat(data(List.of(ch.readInbound(), ch.readInbound()))).isEqualTo(concat(payload, payload));
        assertThat(ByteBufUtil.getBytes(shared, 0, wire.length)).isEqualTo(wire);
        shared.release();
        assertThat(ch.finish()).isFalse();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The status of the violation {@code wire} makes, read by a decoder expecting masked frames or not. */
    private static int violation(boolean masked, byte[] wire) {
        EmbeddedChannel ch = new EmbeddedChannel(new TunnelFrameDecoder(masked, 100_000));
        int[] status = new int[1];
        assertThatThrownBy(() -> ch.writeInbound(Unpooled.wrappedBuffer(wire)))
                .isInstanceOfSatisfying(CorruptedWebSocketFrameException.class, e -> status[0] = e.closeStatus().code());
        for (Object m; (m = ch.readInbound()) != null; ) {
            io.netty.util.ReferenceCountUtil.release(m);
        }
        // what follows a violation is dropped
        assertThat(ch.writeInbound(Unpooled.wrappedBuffer(encode(masked,
                new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[9])))))).isFalse();
        ch.finishAndReleaseAll();
        return status[0];
    }

    @Test
    void violationsCloseWithTheirStatus() {
        byte[] unmasked = encode(false, new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[10])));
        assertThat(violation(true, unmasked)).as("unmasked from a client").isEqualTo(1002);
        assertThat(violation(false, encode(true, new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[10])))))
                .as("masked from a gateway").isEqualTo(1002);
        assertThat(violation(true, encode(true, new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[100_001])))))
                .as("over the limit").isEqualTo(1009);
        assertThat(violation(false, new byte[] {(byte) 0x82, 127, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0}))
                .as("a 64-bit length with its top bit set").isEqualTo(1009);
        assertThat(violation(false, new byte[] {(byte) 0x82, 126, 0, 100})).as("length not in its shortest form").isEqualTo(1002);
        assertThat(violation(false, new byte[] {(byte) 0x82, 127, 0, 0, 0, 0, 0, 0, 1, 0})).as("length not in its shortest form")
                .isEqualTo(1002);
        assertThat(violation(false, new byte[] {(byte) 0xC2, 0})).as("RSV1 without an extension").isEqualTo(1002);
        assertThat(violation(false, new byte[] {(byte) 0x83, 0})).as("reserved data opcode").isEqualTo(1002);
        assertThat(violation(false, new byte[] {(byte) 0x8B, 0})).as("reserved control opcode").isEqualTo(1002);
        assertThat(violation(false, new byte[] {(byte) 0x09, 0})).as("fragmented ping").isEqualTo(1002);
        assertThat(violation(false, new byte[] {(byte) 0x89, 126, 0, (byte) 200})).as("ping over 125 bytes").isEqualTo(1002);
        assertThat(violation(false, new byte[] {(byte) 0x80, 1, 0})).as("continuation outside a message").isEqualTo(1002);
        assertThat(violation(false, new byte[] {(byte) 0x02, 1, 0, (byte) 0x82, 1, 0})).as("a new message inside one")
                .isEqualTo(1002);
        assertThat(violation(false, new byte[] {(byte) 0x88, 1, 3})).as("close with one byte").isEqualTo(1002);
        assertThat(violation(false, new byte[] {(byte) 0x88, 2, 0x03, (byte) 0xEC})).as("close code 1004").isEqualTo(1002);
        assertThat(violation(false, new byte[] {(byte) 0x88, 3, 0x03, (byte) 0xE8, (byte) 0xFF})).as("close reason not UTF-8")
                .isEqualTo(1007);
    }
}
