package dev.ferry.server.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.Payload;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checks a subscription starts with (its watermark) end once live publications have moved past them. */
class HubGatesTest {
    @Test
    void aSubscriptionIsNoLongerCheckedOnceLivePublicationsPassItsPosition() {
        Hub hub = new Hub();
        hub.publish("t", Payload.json("1")).toCompletableFuture().join();
        MsgRecorder r = new MsgRecorder();
        hub.subscribe("t", r, List.of(), null, (recovered, e) -> assertThat(e).isNull());
        assertThat(hub.gatedSubscribers()).as("a watermark at the position read").isEqualTo(1);

        hub.publish("t", Payload.json("2")).toCompletableFuture().join();
        hub.publish("t", Payload.json("3")).toCompletableFuture().join();
        assertThat(r.offsets()).containsExactly(2L, 3L);
        assertThat(hub.gatedSubscribers()).as("forgotten once live moved past it").isZero();
    }
}
