package dev.ferry.server.tunnel.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.tunnel.Relay;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Frames masked in place read back, through a server's frame decoder, as the bytes that were written. */
class InPlaceMaskingEncoderTest {
    /** The client's encoders, and what a gateway's decoder makes of the bytes they write: one frame. */
    private static WebSocketFrame roundTrip(WebSocketFrame frame, boolean expectInPlace) {
        List<WebSocketFrame> decoded = roundTrip(frame, expectInPlace, 1);
        return decoded.get(0);
    }

    /** The frames a gateway's decoder reads from what the client's encoders write for {@code frame}. */
    private static List<WebSocketFrame> roundTrip(WebSocketFrame frame, boolean expectInPlace, int messages) {
        EmbeddedChannel client = new EmbeddedChannel(new WebSocket08FrameEncoder(true), new InPlaceMaskingEncoder());
        EmbeddedChannel server = new EmbeddedChannel(new WebSocket08FrameDecoder(WebSocketDecoderConfig.newBuilder()
                .expectMaskedFrames(true).maxFramePayloadLength(Relay.MAX_MESSAGE).build()));
        try {
            assertThat(client.writeOutbound(frame)).isTrue();
            int writes = 0;
            for (ByteBuf b; (b = client.readOutbound()) != null; writes++) {
                server.writeInbound(b);
            }
            assertThat(writes).as("header and payload written apart").isEqualTo(expectInPlace ? 2 * messages : messages);
            List<WebSocketFrame> decoded = new ArrayList<>();
            for (WebSocketFrame f; (f = server.readInbound()) != null; ) {
                decoded.add(f);
            }
            assertThat(decoded).hasSize(messages);
            return decoded;
        } finally {
            client.finishAndReleaseAll();
            server.finishAndReleaseAll();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1025, 1031, 4096, 65535, 65536})
    void largeBinaryFramesAreMaskedWhereTheyLie(int size) {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        ByteBuf payload = PooledByteBufAllocator.DEFAULT.directBuffer(size + 7);
        payload.writeZero(3).writeBytes(data).readerIndex(3); // a payload that does not start at the buffer's start
        WebSocketFrame decoded = roundTrip(new BinaryWebSocketFrame(payload), true);
        try {
            assertThat(decoded).isInstanceOf(BinaryWebSocketFrame.class);
            assertThat(decoded.isFinalFragment()).isTrue();
            assertThat(ByteBufUtil.getBytes(decoded.content())).isEqualTo(data);
        } finally {
            decoded.release();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {65537, 70_001, 131_072, 262_147})
    void framesOverSixtyFourKibGoAsSeveralMessages(int size) {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        int messages = (size + Relay.MAX_MESSAGE - 1) / Relay.MAX_MESSAGE;
        for (boolean own : new boolean[] {true, false}) {
            ByteBuf payload = PooledByteBufAllocator.DEFAULT.directBuffer(size + 7);
            payload.writeZero(3).writeBytes(data).readerIndex(3);
            if (!own) {
                payload.retain(); // held elsewhere too: Netty's encoder copies each part, the buffer stays as it was
            }
            List<WebSocketFrame> decoded = roundTrip(new BinaryWebSocketFrame(payload), own, messages);
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            for (WebSocketFrame f : decoded) {
                assertThat(f).isInstanceOf(BinaryWebSocketFrame.class);
                assertThat(f.isFinalFragment()).isTrue();
                got.writeBytes(ByteBufUtil.getBytes(f.content()));
                f.release();
            }
            assertThat(got.toByteArray()).isEqualTo(data);
            if (!own) {
                assertThat(ByteBufUtil.getBytes(payload)).isEqualTo(data);
                payload.release();
            }
        }
    }

    @Test
    void heapPayloadsToo() {
        byte[] data = new byte[5000];
        new Random(7).nextBytes(data);
        WebSocketFrame decoded = roundTrip(new BinaryWebSocketFrame(Unpooled.buffer(5000).writeBytes(data)), true);
        try {
            assertThat(ByteBufUtil.getBytes(decoded.content())).isEqualTo(data);
        } finally {
            decoded.release();
        }
    }

    @Test
    void smallSharedAndControlFramesGoToNettysEncoder() {
        byte[] small = {1, 2, 3, 4, 5};
        WebSocketFrame decoded = roundTrip(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(small)), false);
        try {
            assertThat(ByteBufUtil.getBytes(decoded.content())).isEqualTo(small);
        } finally {
            decoded.release();
        }
        byte[] data = new byte[4000];
        new Random(3).nextBytes(data);
        ByteBuf shared = Unpooled.buffer(4000).writeBytes(data);
        shared.retain(); // someone else holds it: it must not be written over
        decoded = roundTrip(new BinaryWebSocketFrame(shared), false);
        try {
            assertThat(ByteBufUtil.getBytes(decoded.content())).isEqualTo(data);
            assertThat(ByteBufUtil.getBytes(shared)).isEqualTo(data);
        } finally {
            decoded.release();
            shared.release();
        }
        decoded = roundTrip(new PingWebSocketFrame(Unpooled.wrappedBuffer(small)), false);
        try {
            assertThat(decoded).isInstanceOf(PingWebSocketFrame.class);
        } finally {
            decoded.release();
        }
    }
}
