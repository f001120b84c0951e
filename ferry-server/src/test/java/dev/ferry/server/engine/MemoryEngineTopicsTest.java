package dev.ferry.server.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Payload;
import dev.ferry.server.config.HistoryConfig;
import dev.ferry.server.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** Topics of the memory engine are freed once nothing needs them, and at most limits.max-topics are held. */
class MemoryEngineTopicsTest {
    private static final HistoryConfig HISTORY = new HistoryConfig(100, Duration.ofSeconds(5), 1000, List.of("lossy.#"));

    private final ManualClock clock = new ManualClock(1_000_000);
    /** Topics the fanout reports subscribers for. */
    private final Set<String> subscribed = ConcurrentHashMap.newKeySet();

    private MemoryEngine engine(int maxTopics) {
        MemoryEngine e = new MemoryEngine(HISTORY, maxTopics, clock);
        e.start(new Fanout() {
            @Override
            public void publication(Frame.Msg msg, boolean lossy) {
            }

            @Override
            public void interrupted() {
            }

            @Override
            public boolean hasSubscribers(String topic) {
                return subscribed.contains(topic);
            }
        }, null);
        return e;
    }

    private static long publish(MemoryEngine e, String topic) {
        return e.publish(topic, Payload.json("1")).toCompletableFuture().join();
    }

    @Test
    void aTopicIsFreedOnceItsHistoryHasExpiredOnATimerWithoutBeingTouched() {
        MemoryEngine e = engine(10);
        publish(e, "a");
        publish(e, "a");
        assertThat(e.expire()).as("history still live").isZero();
        assertThat(e.topics()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(6));
        assertThat(e.expire()).isEqualTo(1);
        assertThat(e.topics()).isZero();
        assertThat(e.topicsFreed()).isEqualTo(1);
        TopicSnapshot s = e.read("a", 0, 0, 10, false).toCompletableFuture().join();
        assertThat(s.epoch()).as("a freed topic is unknown").isNull();
        assertThat(s.offset()).isZero();
    }

    @Test
    void aTopicWithoutHistoryIsFreedAtOnceWhenNobodyIsSubscribed() {
        MemoryEngine e = engine(10);
        publish(e, "lossy.x");
        assertThat(e.expire()).isEqualTo(1);
        assertThat(e.topics()).isZero();
    }

    @Test
    void aSubscribedTopicKeepsItsEpochAndOffsetsAfterItsHistoryExpires() {
        MemoryEngine e = engine(10);
        subscribed.add("a");
        publish(e, "a");
        String epoch = e.read("a", 0, 0, 0, false).toCompletableFuture().join().epoch();
        clock.advance(Duration.ofMinutes(1));
        assertThat(e.expire()).isZero();
        assertThat(publish(e, "a")).isEqualTo(2);
        assertThat(e.read("a", 0, 0, 0, false).toCompletableFuture().join().epoch()).isEqualTo(epoch);
    }

    @Test
    void aStateChannelIsNeverFreed() {
        MemoryEngine e = engine(10);
        assertThat(e.commitState("s", null, 0, "{}".getBytes(), Payload.json("{}")).toCompletableFuture().join()
                .committed()).isTrue();
        clock.advance(Duration.ofHours(1));
        assertThat(e.expire()).isZero();
        assertThat(e.readState("s").toCompletableFuture().join().json()).isNotNull();
    }

    @Test
    void aRecreatedTopicHasANewEpochAndStartsAtOffsetOne() {
        MemoryEngine e = engine(10);
        publish(e, "a");
        publish(e, "a");
        String before = e.read("a", 0, 0, 0, false).toCompletableFuture().join().epoch();
        clock.advance(Duration.ofSeconds(6));
        e.expire();
        assertThat(publish(e, "a")).isEqualTo(1);
        TopicSnapshot after = e.read("a", 0, 0, 10, false).toCompletableFuture().join();
        assertThat(after.epoch()).isNotNull().isNotEqualTo(before);
        assertThat(after.items()).extracting(Frame.Msg::offset).containsExactly(1L);
    }

    @Test
    void oneTopicMoreThanTheLimitIsRefusedUntilOneIsFreed() {
        MemoryEngine e = engine(3);
        publish(e, "a");
        publish(e, "b");
        publish(e, "c");
        assertThat(publish(e, "a")).as("a held topic takes publications").isEqualTo(2);
        assertThatThrownBy(() -> publish(e, "d")).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(TooManyTopicsException.class);
        assertThatThrownBy(() -> e.commitState("d", null, 0, "{}".getBytes(), Payload.json("{}"))
                .toCompletableFuture().join()).hasCauseInstanceOf(TooManyTopicsException.class);
        assertThat(e.topicsRefused()).isEqualTo(2);
        assertThat(e.topics()).isEqualTo(3);
        assertThat(e.read("d", 0, 0, 0, false).toCompletableFuture().join().epoch())
                .as("reading does not create a topic").isNull();

        clock.advance(Duration.ofSeconds(6));
        assertThat(e.expire()).isEqualTo(3);
        assertThat(publish(e, "d")).isEqualTo(1);
        assertThat(e.topics()).isEqualTo(1);
    }

    @Test
    void publishersRacingTheTimerNeverLoseAnOffsetOrExceedTheLimit() throws Exception {
        MemoryEngine e = engine(50);
        Map<String, Long> last = new ConcurrentHashMap<>();
        Thread sweeper = new Thread(() -> {
            for (int i = 0; i < 2_000; i++) {
                e.expire();
            }
        });
        sweeper.start();
        for (int i = 0; i < 20_000; i++) {
            String topic = "lossy." + (i % 40);
            long offset = publish(e, topic);
            Long previous = last.put(topic, offset);
            assertThat(offset).as("offsets of a held topic are contiguous, a freed one starts again at 1")
                    .isIn(1L, previous == null ? 1L : previous + 1);
            assertThat(e.topics()).isLessThanOrEqualTo(50);
        }
        sweeper.join(60_000);
        assertThat(e.topicsRefused()).isZero();
    }
}
