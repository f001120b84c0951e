package dev.ferry.server.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.Payload;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checks a subscription starts with (its watermark) end once live publications have moved past them. */
class HubGatesTest {
    private static final class Rec implements Subscriber {
        final List<Long> offsets = new ArrayList<>();

        @Override
        public EventExecutor executor() {
            return ImmediateEventExecutor.INSTANCE;
        }

        @Override
        public void deliver(ByteBuf frame, boolean binary) {
            try {
                offsets.add(((Frame.Msg) FrameCodec.decodeText(frame.toString(StandardCharsets.UTF_8))).offset());
            } catch (Exception e) {
                throw new AssertionError(e);
            } finally {
                frame.release();
            }
        }
    }

    @Test
    void aSubscriptionIsNoLongerCheckedOnceLivePublicationsPassItsPosition() {
        Hub hub = new Hub();
        hub.publish("t", Payload.json("1")).toCompletableFuture().join();
        Rec r = new Rec();
        hub.subscribe("t", r, List.of(), null, (recovered, e) -> assertThat(e).isNull());
        assertThat(hub.gatedSubscribers()).as("a watermark at the position read").isEqualTo(1);

        hub.publish("t", Payload.json("2")).toCompletableFuture().join();
        hub.publish("t", Payload.json("3")).toCompletableFuture().join();
        assertThat(r.offsets).containsExactly(2L, 3L);
        assertThat(hub.gatedSubscribers()).as("forgotten once live moved past it").isZero();
    }
}
