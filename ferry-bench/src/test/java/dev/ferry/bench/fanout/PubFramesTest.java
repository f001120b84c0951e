package dev.ferry.bench.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PubFramesTest {
    @Test
    void aPubFrameWhoseDataIsExactlyThePayloadSize() throws Exception {
        ByteBuf buf = new PubFrames("bench.fanout", 100).encode(ByteBufAllocator.DEFAULT, 1234567890123L);
        try {
            Frame frame = FrameCodec.decodeText(buf.toString(StandardCharsets.UTF_8));
            assertThat(frame).isInstanceOf(Frame.Pub.class);
            Frame.Pub pub = (Frame.Pub) frame;
            assertThat(pub.topic()).isEqualTo("bench.fanout");
            assertThat(pub.data().length()).isEqualTo(100);
            assertThat(pub.data().jsonText()).startsWith("{\"t\":1234567890123,\"pad\":\"xxx");
        } finally {
            buf.release();
        }
    }

    @Test
    void aPayloadTooSmallForThePadGetsNone() throws Exception {
        ByteBuf buf = new PubFrames("a", 10).encode(ByteBufAllocator.DEFAULT, -5);
        try {
            Frame.Pub pub = (Frame.Pub) FrameCodec.decodeText(buf.toString(StandardCharsets.UTF_8));
            assertThat(pub.data().jsonText()).isEqualTo("{\"t\":-5,\"pad\":\"\"}");
        } finally {
            buf.release();
        }
    }
}
