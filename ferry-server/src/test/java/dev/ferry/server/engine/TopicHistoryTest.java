package dev.ferry.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.Payload;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicHistoryTest {
    private static TopicHistory.Entry entry(long offset, long time) {
        return new TopicHistory.Entry(offset, time, Payload.json("{\"n\":" + offset + "}"));
    }

    @Test
    void keepsTheNewestUpToItsSizeAndReadsBothWays() {
        TopicHistory h = new TopicHistory(3, 60_000);
        assertThat(h.firstOffset(1)).isEqualTo(1);
        assertThat(h.after(0, 10)).isEmpty();
        for (long o = 1; o <= 5; o++) {
            h.append(entry(o, 1000 + o), 1000 + o);
        }
        assertThat(h.size()).isEqualTo(3);
        assertThat(h.firstOffset(6)).isEqualTo(3);
        assertThat(h.after(0, 10)).extracting(TopicHistory.Entry::offset).containsExactly(3L, 4L, 5L);
        assertThat(h.after(3, 1)).extracting(TopicHistory.Entry::offset).containsExactly(4L);
        assertThat(h.before(0, 10)).isEmpty();
        assertThat(h.before(5, 10)).extracting(TopicHistory.Entry::offset).containsExactly(4L, 3L);
        TopicHistory.Entry e = h.after(3, 1).get(0);
        assertThat(e.timeMillis()).isEqualTo(1004);
        assertThat(e.data()).isEqualTo(Payload.json("{\"n\":4}"));
        assertThat(e.tags()).isEmpty();
    }

    @Test
    void keepsBinaryPayloadsAndTagsPerEntry() {
        TopicHistory h = new TopicHistory(2, 60_000);
        h.append(new TopicHistory.Entry(1, 10, Payload.binary(new byte[] {1, 2}), Map.of("k", "v")), 10);
        h.append(new TopicHistory.Entry(2, 11, Payload.json("true")), 11);
        h.append(new TopicHistory.Entry(3, 12, Payload.json("3"), Map.of("k", "w")), 12); // drops 1
        assertThat(h.after(0, 10)).extracting(TopicHistory.Entry::tags).containsExactly(Map.of(), Map.of("k", "w"));
        h.append(new TopicHistory.Entry(4, 13, Payload.binary(new byte[] {4})), 13); // takes 2's place after 3
        assertThat(h.after(0, 10)).extracting(TopicHistory.Entry::data)
                .containsExactly(Payload.json("3"), Payload.binary(new byte[] {4}));
        assertThat(h.after(0, 10)).extracting(TopicHistory.Entry::tags).containsExactly(Map.of("k", "w"), Map.of());
    }

    @Test
    void dropsWhatOutlivesItsTtl() {
        TopicHistory h = new TopicHistory(10, 100);
        h.append(entry(7, 1000), 1000);
        h.append(entry(8, 1050), 1050);
        h.expire(1120);
        assertThat(h.after(0, 10)).extracting(TopicHistory.Entry::offset).containsExactly(8L);
        h.expire(1200);
        assertThat(h.size()).isZero();
        assertThat(h.firstOffset(9)).isEqualTo(9);
        h.append(entry(9, 1300), 1300);
        assertThat(h.after(0, 10)).extracting(TopicHistory.Entry::offset).containsExactly(9L);
    }

    @Test
    void keepsEveryPayloadIntactWhileTheArenaIsCompactedGrownAndShrunk() {
        // sizes from empty to 20 KB in a bounded ring, against a plain list of what should be kept
        java.util.Random random = new java.util.Random(7);
        TopicHistory h = new TopicHistory(16, 60_000);
        java.util.ArrayDeque<TopicHistory.Entry> kept = new java.util.ArrayDeque<>();
        for (long o = 1; o <= 3_000; o++) {
            int size = o % 500 == 0 ? 20_000 : o > 2_000 ? random.nextInt(4) : random.nextInt(300);
            byte[] bytes = new byte[size];
            random.nextBytes(bytes);
            TopicHistory.Entry e = new TopicHistory.Entry(o, 1000, Payload.binary(bytes));
            h.append(e, 1000);
            kept.addLast(e);
            if (kept.size() > 16) {
                kept.removeFirst();
            }
            if (o % 97 == 0 || o % 500 == 0) {
                assertThat(h.after(0, 100)).extracting(TopicHistory.Entry::data)
                        .as("after offset %d", o)
                        .containsExactlyElementsOf(kept.stream().map(TopicHistory.Entry::data).toList());
            }
        }
        assertThat(h.before(Long.MAX_VALUE, 3)).extracting(TopicHistory.Entry::offset).containsExactly(3000L, 2999L, 2998L);
    }

    @Test
    void aTopicWhoseEntriesAllExpiredStartsAfreshWithItsNextPublication() {
        TopicHistory h = new TopicHistory(4, 100);
        h.append(new TopicHistory.Entry(1, 1000, Payload.json("\"" + "x".repeat(1000) + "\"")), 1000);
        h.append(new TopicHistory.Entry(2, 1010, Payload.binary(new byte[0])), 1010);
        h.expire(5000);
        assertThat(h.size()).isZero();
        h.append(new TopicHistory.Entry(3, 5000, Payload.json("[3]")), 5000);
        h.append(new TopicHistory.Entry(4, 5001, Payload.binary(new byte[0])), 5001);
        assertThat(h.after(0, 10)).extracting(TopicHistory.Entry::data)
                .containsExactly(Payload.json("[3]"), Payload.binary(new byte[0]));
    }

    @Test
    void theRingGrowsWithUseUpToItsSizeKeepingOrderTagsAndPayloads() {
        TopicHistory h = new TopicHistory(100, 1000);
        h.append(entry(1, 0), 0);
        assertThat(h.capacity()).as("one publication takes one slot, not history.size").isEqualTo(TopicHistory.MIN_SLOTS);
        // expiry moves the ring's head before it grows, so growing has to unwrap it
        for (long o = 2; o <= 3; o++) {
            h.append(new TopicHistory.Entry(o, o * 400, Payload.json("{\"n\":" + o + "}"), Map.of("o", "" + o)), o * 400);
        }
        for (long o = 4; o <= 150; o++) {
            h.append(new TopicHistory.Entry(o, 1200, Payload.json("{\"n\":" + o + "}"), o % 2 == 0 ? Map.of("o", "" + o) : Map.of()), 1200);
        }
        assertThat(h.capacity()).isEqualTo(100);
        assertThat(h.size()).isEqualTo(100);
        assertThat(h.after(0, 1000)).extracting(TopicHistory.Entry::offset)
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(51, 150).boxed().toList());
        for (TopicHistory.Entry e : h.after(0, 1000)) {
            assertThat(e.data()).isEqualTo(Payload.json("{\"n\":" + e.offset() + "}"));
            assertThat(e.tags()).isEqualTo(e.offset() % 2 == 0 ? Map.of("o", "" + e.offset()) : Map.of());
        }
    }

    @Test
    void expireSaysWhetherAnythingIsLeft() {
        TopicHistory h = new TopicHistory(10, 1000);
        assertThat(h.expire(0)).isFalse();
        h.append(entry(1, 0), 0);
        assertThat(h.expire(1000)).isTrue();
        assertThat(h.expire(1001)).isFalse();
        assertThat(h.size()).isZero();
    }
}
