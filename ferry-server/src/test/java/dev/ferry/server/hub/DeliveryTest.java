package dev.ferry.server.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Payload;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** One delivery, many encodings: each made once per key, shared, and released with the delivery. */
class DeliveryTest {
    private static final Object UPPER = "upper";
    private static final Object LENGTH = "length";

    private static Delivery delivery() {
        Frame.Msg msg = new Frame.Msg("t", 1, "e", Payload.json("\"hi\""), Map.of());
        return new Delivery(msg, Unpooled.copiedBuffer("{\"msg\"}", StandardCharsets.UTF_8), false, false);
    }

    @Test
    void eachEncodingIsMadeOncePerKeyAndShared() {
        Delivery d = delivery();
        AtomicInteger upper = new AtomicInteger();
        AtomicInteger length = new AtomicInteger();
        ByteBuf[] made = new ByteBuf[4];
        for (int i = 0; i < 2; i++) {
            made[i] = d.encoded(UPPER, x -> {
                upper.incrementAndGet();
                return Unpooled.copiedBuffer(x.payload().toString(StandardCharsets.UTF_8).toUpperCase(), StandardCharsets.UTF_8);
            });
            made[2 + i] = d.derived(LENGTH, p -> {
                length.incrementAndGet();
                return Unpooled.copiedBuffer(String.valueOf(p.readableBytes()), StandardCharsets.UTF_8);
            });
        }
        assertThat(upper).hasValue(1);
        assertThat(length).hasValue(1);
        assertThat(made[0]).isSameAs(made[1]);
        assertThat(made[2]).isSameAs(made[3]);
        assertThat(made[0].toString(StandardCharsets.UTF_8)).isEqualTo("{\"MSG\"}");
        assertThat(made[2].toString(StandardCharsets.UTF_8)).isEqualTo("7");
        ByteBuf kept = made[0].retainedDuplicate(); // what a subscriber queues outlives the delivery
        d.release();
        assertThat(made[2].refCnt()).isZero();
        assertThat(d.payload().refCnt()).isZero();
        assertThat(kept.toString(StandardCharsets.UTF_8)).isEqualTo("{\"MSG\"}");
        kept.release();
        assertThat(made[0].refCnt()).isZero();
    }

    @Test
    void anEncodingWithNoFormIsRememberedAsNone() {
        Delivery d = delivery();
        AtomicInteger calls = new AtomicInteger();
        assertThat(d.encoded(UPPER, x -> {
            calls.incrementAndGet();
            return null;
        })).isNull();
        assertThat(d.encoded(UPPER, x -> {
            calls.incrementAndGet();
            return null;
        })).isNull();
        assertThat(calls).hasValue(1);
        d.release();
    }

    @Test
    void aSingleDeliveryIsReleasedOnceHandedOver() {
        Frame.Msg msg = new Frame.Msg("t", 2, "e", Payload.json("1"), Map.of());
        ByteBuf payload = Unpooled.copiedBuffer("x", StandardCharsets.UTF_8);
        ByteBuf[] derived = new ByteBuf[1];
        Delivery.once(msg, payload, false, true, d -> {
            assertThat(d.lossy()).isTrue();
            assertThat(d.msg()).isSameAs(msg);
            derived[0] = d.derived(LENGTH, p -> Unpooled.buffer(1).writeByte('1'));
        });
        assertThat(payload.refCnt()).isZero();
        assertThat(derived[0].refCnt()).isZero();
    }
}
