package dev.ferry.server.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Payload;
import dev.ferry.server.config.HistoryConfig;
import dev.ferry.server.engine.MemoryEngine;
import dev.ferry.server.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Recovery across a topic's freeing and re-creation: the old epoch is never replayed as if it were the new one. */
class HubTopicFreeingTest {
    private final ManualClock clock = new ManualClock(5_000_000);
    private final HistoryConfig history = new HistoryConfig(100, Duration.ofSeconds(10), 1000, List.of());
    private final MemoryEngine engine = new MemoryEngine(history, 100, clock);
    private final Hub hub = new Hub(history, engine);

    {
        engine.start(hub, null);
    }

    private Hub.Recovery recover(MsgRecorder r, String pattern, Frame.Position since) {
        AtomicReference<List<Hub.Recovery>> out = new AtomicReference<>();
        hub.subscribe(pattern, r, List.of(since), null, (rec, e) -> {
            assertThat(e).isNull();
            out.set(rec);
        });
        assertThat(out.get()).hasSize(1);
        return out.get().get(0);
    }

    @Test
    void aClientRecoveringWithTheEpochOfAFreedTopicIsToldItWasNotRecovered() {
        hub.publish("a", Payload.json("1")).toCompletableFuture().join();
        hub.publish("a", Payload.json("2")).toCompletableFuture().join();
        String old = hub.position("a").toCompletableFuture().join().epoch();

        clock.advance(Duration.ofSeconds(11));
        assertThat(engine.expire()).as("nobody subscribed, history expired").isEqualTo(1);
        // re-created: offsets 1..3 again, in a new epoch
        for (int i = 0; i < 3; i++) {
            hub.publish("a", Payload.json("" + (10 + i))).toCompletableFuture().join();
        }

        MsgRecorder r = new MsgRecorder();
        Hub.Recovery rec = recover(r, "a", new Frame.Position("a", 1, old));
        assertThat(rec.recovered()).isFalse();
        assertThat(rec.epoch()).isNotEqualTo(old);
        assertThat(rec.offset()).isEqualTo(3);
        assertThat(r.msgs).as("nothing of the new epoch passed off as the old one's offsets 2..3").isEmpty();
    }

    @Test
    void aClientRecoveringAFreedTopicNotYetRecreatedIsToldItWasNotRecovered() {
        hub.publish("b.x", Payload.json("1")).toCompletableFuture().join();
        String old = hub.position("b.x").toCompletableFuture().join().epoch();
        clock.advance(Duration.ofSeconds(11));
        assertThat(engine.expire()).isEqualTo(1);

        MsgRecorder r = new MsgRecorder();
        Hub.Recovery rec = recover(r, "b.*", new Frame.Position("b.x", 1, old));
        assertThat(rec.recovered()).isFalse();

        hub.publish("b.x", Payload.json("2")).toCompletableFuture().join();
        assertThat(r.msgs).hasSize(1);
        assertThat(r.msgs.get(0).epoch()).as("live in the new epoch").isNotEqualTo(old);
        assertThat(r.msgs.get(0).offset()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(11));
        assertThat(engine.expire()).as("a subscribed topic is kept").isZero();
    }
}
