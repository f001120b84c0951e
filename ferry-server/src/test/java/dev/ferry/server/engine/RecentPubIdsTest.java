package dev.ferry.server.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The window and the cap of remembered publication ids, on a clock the test moves. */
class RecentPubIdsTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final RecentPubIds ids = new RecentPubIds(Duration.ofSeconds(10), 3, now::get);

    @Test
    void anIdIsRememberedPerTopicForTheWindowThenForgotten() {
        ids.put("a", "x", new Published("e1", 4));
        assertThat(ids.get("a", "x")).isEqualTo(new Published("e1", 4));
        assertThat(ids.get("b", "x")).isNull();
        now.addAndGet(Duration.ofSeconds(10).toNanos() - 1);
        assertThat(ids.get("a", "x")).isEqualTo(new Published("e1", 4));
        now.addAndGet(1);
        assertThat(ids.get("a", "x")).isNull();
        assertThat(ids.size()).isZero();
    }

    @Test
    void theCapRefusesOneMoreUntilTheOldestExpire() {
        ids.put("a", "1", new Published("e", 1));
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        ids.put("a", "2", new Published("e", 2));
        ids.put("a", "3", new Published("e", 3));
        assertThatThrownBy(ids::checkRoom).isInstanceOf(PubIdsFullException.class)
                .hasMessageContaining("publish.dedup-max-ids");
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        ids.checkRoom(); // the first has expired
        assertThat(ids.size()).isEqualTo(2);
        assertThat(ids.get("a", "2")).isEqualTo(new Published("e", 2));
    }

    @Test
    void theMemoryEngineAnswersARetryWithTheOriginalPosition() {
        MemoryEngine engine = new MemoryEngine(dev.ferry.server.config.HistoryConfig.DEFAULT, 0, java.time.Clock.systemUTC(), ids);
        engine.start(new Fanout() {
            @Override
            public void publication(dev.ferry.protocol.Frame.Msg msg, boolean lossy) {
            }

            @Override
            public void interrupted() {
            }

            @Override
            public java.util.Map<String, Integer> patternCounts() {
                return java.util.Map.of();
            }
        }, null);
        Published first = engine.publish("t", dev.ferry.protocol.Payload.json("1".getBytes()), java.util.Map.of(), "p")
                .toCompletableFuture().join();
        Published again = engine.publish("t", dev.ferry.protocol.Payload.json("1".getBytes()), java.util.Map.of(), "p")
                .toCompletableFuture().join();
        assertThat(again).isEqualTo(first);
        assertThat(engine.publish("t", dev.ferry.protocol.Payload.json("2".getBytes())).toCompletableFuture().join())
                .isEqualTo(first.offset() + 1);
    }
}
