package dev.ferry.server.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.Topics;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SubscriberFiltersTest {
    @Test
    void allocationFreeMatchingAgreesWithTopics() {
        List<String> patterns = List.of("#", "a.#", "#.z", "a.#.z", "*", "a.*", "*.b", "a.*.c", "#.b.#", "a.b.c",
                "*.*", "#.#", "a.#.*", "*.#.c");
        List<String> topics = List.of("a", "b", "a.b", "a.z", "a.b.c", "a.b.z", "a.b.c.z", "x.b.y", "ab.b", "a.bc",
                "a.b.b.c", "z");
        for (String p : patterns) {
            for (String t : topics) {
                assertThat(SubscriberFilters.matches(p.split("\\.", -1), 0, t, 0)).as("%s ~ %s", p, t)
                        .isEqualTo(Topics.matches(p, t));
            }
        }
        SplittableRandom r = new SplittableRandom(7);
        String[] pool = {"a", "b", "*", "#"};
        for (int i = 0; i < 20_000; i++) {
            String p = words(r, pool);
            String t = words(r, new String[] {"a", "b"});
            assertThat(SubscriberFilters.matches(p.split("\\.", -1), 0, t, 0)).as("%s ~ %s", p, t)
                    .isEqualTo(Topics.matches(p, t));
        }
    }

    private static String words(SplittableRandom r, String[] pool) {
        StringBuilder b = new StringBuilder();
        int n = 1 + r.nextInt(5);
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ".").append(pool[r.nextInt(pool.length)]);
        }
        return b.toString();
    }
}
