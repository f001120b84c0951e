package dev.ferry.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.Payload;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThreadBuffersTest {
    private static ByteBuf direct(String text) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer();
        b.writeCharSequence(text, StandardCharsets.UTF_8);
        return b;
    }

    private static String text(byte[] buf, int off, int len) {
        return new String(buf, off, len, StandardCharsets.UTF_8);
    }

    @Test
    void readsDirectAndHeapBuffersFromTheirReaderIndex() {
        List<String> seen = new ArrayList<>();
        ByteBuf direct = direct("xx{\"a\":1}");
        direct.skipBytes(2);
        ByteBuf heap = Unpooled.wrappedBuffer("yyy[2]".getBytes(StandardCharsets.UTF_8), 1, 5);
        heap.skipBytes(2);
        try {
            ThreadBuffers.read(direct, (buf, off, len) -> seen.add(text(buf, off, len)));
            ThreadBuffers.read(heap, (buf, off, len) -> seen.add(text(buf, off, len)));
            ThreadBuffers.read(Unpooled.EMPTY_BUFFER, (buf, off, len) -> seen.add(text(buf, off, len)));
        } finally {
            direct.release();
            heap.release();
        }
        assertThat(seen).containsExactly("{\"a\":1}", "[2]", "");
    }

    /** A message read while another is being read on the same thread must not overwrite the first one's bytes. */
    @Test
    void aNestedReadGetsItsOwnArray() {
        ByteBuf outer = direct("outer message");
        ByteBuf inner = direct("inner");
        List<String> seen = new ArrayList<>();
        try {
            ThreadBuffers.read(outer, (buf, off, len) -> {
                ThreadBuffers.read(inner, (b, o, l) -> seen.add(text(b, o, l)));
                seen.add(text(buf, off, len));
            });
            ThreadBuffers.read(inner, (buf, off, len) -> seen.add(text(buf, off, len)));
        } finally {
            outer.release();
            inner.release();
        }
        assertThat(seen).containsExactly("inner", "outer message", "inner");
    }

    @Test
    void largeMessagesAreReadWhole() {
        String big = "z".repeat(ThreadBuffers.KEPT_BYTES * 2);
        ByteBuf b = direct(big);
        List<String> seen = new ArrayList<>();
        try {
            ThreadBuffers.read(b, (buf, off, len) -> seen.add(text(buf, off, len)));
            b.setByte(0, 'y');
            ThreadBuffers.read(b, (buf, off, len) -> seen.add(text(buf, off, len)));
        } finally {
            b.release();
        }
        assertThat(seen.get(0)).isEqualTo(big);
        assertThat(seen.get(1)).startsWith("yz").hasSize(big.length());
    }

    /** The framed bytes are the WebSocket frame of the frame's encoding, small, medium (16-bit length) and large. */
    @Test
    void framesAsWebSocketFramingDoes() {
        for (Frame f : List.of(new Frame.Result(1, Payload.json("[1]")),
                new Frame.Msg("a.b", 7, "e", Payload.json("\"" + "m".repeat(300) + "\"")),
                new Frame.Msg("a.b", 8, "e", Payload.json("\"" + "l".repeat(ThreadBuffers.KEPT_BYTES + 10) + "\"")),
                new Frame.Msg("a.b", 9, null, Payload.binary(new byte[] {1, 2, 3})),
                new Frame.Ping(2))) {
            ByteBuf framed = ThreadBuffers.framed(f, PooledByteBufAllocator.DEFAULT);
            ByteBuf expected = WebSocketFraming.frame(Unpooled.wrappedBuffer(FrameCodec.encode(f)), FrameCodec.isBinary(f));
            try {
                assertThat(io.netty.buffer.ByteBufUtil.equals(framed, expected)).as(f.getClass().getSimpleName()).isTrue();
            } finally {
                framed.release();
                expected.release();
            }
        }
    }
}
