package dev.ferry.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PayloadTest {
    @Test
    void isOneHundredTwentyEightAsciiBytesCarryingTheTime() {
        String p = Payload.string(1234567890123L);
        assertThat(p).hasSize(Payload.BYTES).startsWith("@T0000001234567890123x").matches("[@T0-9x]+");
    }

    @Test
    void scanFindsEveryPayloadAndSkipsLookAlikes() {
        String text = "MESSAGE\nmessage-id:T_sub-0@@session-x@@1\n\n" + Payload.string(42) + "\0 and "
                + Payload.string(7) + " @T12 @Tx";
        ByteBuf buf = Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
        try {
            List<Long> found = new ArrayList<>();
            int n = Payload.scan(buf, buf.readerIndex(), buf.writerIndex(), found::add);
            assertThat(n).isEqualTo(2);
            assertThat(found).containsExactly(42L, 7L);
        } finally {
            buf.release();
        }
    }

    @Test
    void aTruncatedPayloadIsNotFound() {
        ByteBuf buf = Unpooled.copiedBuffer(Payload.string(99).substring(0, 15), StandardCharsets.US_ASCII);
        try {
            assertThat(Payload.scan(buf, 0, buf.writerIndex(), t -> { })).isZero();
        } finally {
            buf.release();
        }
    }
}
