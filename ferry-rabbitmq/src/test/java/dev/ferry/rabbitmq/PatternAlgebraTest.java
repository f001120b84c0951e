package dev.ferry.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.Topics;
import java.util.List;
import org.junit.jupiter.api.Test;

class PatternAlgebraTest {
    @Test
    void contains() {
        assertThat(PatternAlgebra.contains("a.#", "a.b.c")).isTrue();
        assertThat(PatternAlgebra.contains("a.#", "a.*.#")).isTrue();
        assertThat(PatternAlgebra.contains("a.#", "a")).isTrue();
        assertThat(PatternAlgebra.contains("a.#", "#")).isFalse();
        assertThat(PatternAlgebra.contains("a.*", "a.b")).isTrue();
        assertThat(PatternAlgebra.contains("a.*", "a.#")).isFalse();
        assertThat(PatternAlgebra.contains("a.*", "a.*")).isTrue();
        assertThat(PatternAlgebra.contains("a.b", "a.*")).isFalse();
        assertThat(PatternAlgebra.contains("#", "x.#.y")).isTrue();
        assertThat(PatternAlgebra.contains("a.#.z", "a.b.#.z")).isTrue();
        assertThat(PatternAlgebra.contains("a.#.z", "a.b.#")).isFalse();
    }

    @Test
    void overlaps() {
        assertThat(PatternAlgebra.overlaps("a.*.c", "a.b.#")).isTrue();
        assertThat(PatternAlgebra.overlaps("#", "x")).isTrue();
        assertThat(PatternAlgebra.overlaps("a.#", "b.#")).isFalse();
        assertThat(PatternAlgebra.overlaps("a.*", "a.b.c")).isFalse();
        assertThat(PatternAlgebra.overlaps("#.c", "a.#")).isTrue();
        assertThat(PatternAlgebra.overlaps("*.*", "#.x.y.z")).isFalse();
    }

    /** Checked against matching on sample topics: containment and overlap must agree with Topics.matches. */
    @Test
    void agreesWithMatchingOnSamples() {
        List<String> patterns = List.of("a", "a.b", "a.*", "a.#", "#", "*.b", "a.#.c", "*", "#.c", "a.*.c", "*.#", "b.#");
        List<String> topics = List.of("a", "b", "c", "a.b", "a.c", "b.b", "a.b.c", "a.x.c", "a.b.b.c", "x.y.z", "b.c");
        for (String p : patterns) {
            for (String q : patterns) {
                boolean sharesSample = topics.stream().anyMatch(t -> Topics.matches(p, t) && Topics.matches(q, t));
                if (sharesSample) {
                    assertThat(PatternAlgebra.overlaps(p, q)).as("overlaps(%s, %s)", p, q).isTrue();
                }
                if (PatternAlgebra.contains(p, q)) {
                    for (String t : topics) {
                        if (Topics.matches(q, t)) {
                            assertThat(Topics.matches(p, t)).as("%s contains %s but not %s", p, q, t).isTrue();
                        }
                    }
                }
            }
        }
    }
}
