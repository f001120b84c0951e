package dev.ferry.server.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.Topics;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TopicTreeTest {

    private static Set<String> match(TopicTree<String> tree, String topic) {
        Set<String> out = new HashSet<>();
        tree.match(topic, out::add);
        return out;
    }

    @Test
    void splitsIntoWords() {
        assertThat(TopicTree.words("a")).containsExactly("a");
        assertThat(TopicTree.words("a.bb.*.#")).containsExactly("a", "bb", "*", "#");
    }

    @Test
    void exactAndWildcards() {
        TopicTree<String> t = new TopicTree<>();
        for (String p : List.of("a.b.c", "a.*.c", "a.#", "#", "a.#.c", "*.b.*", "a.b", "*")) {
            t.add(p, p);
        }
        assertThat(match(t, "a.b.c")).containsExactlyInAnyOrder("a.b.c", "a.*.c", "a.#", "#", "a.#.c", "*.b.*");
        assertThat(match(t, "a")).containsExactlyInAnyOrder("a.#", "#", "*");
        assertThat(match(t, "a.c")).containsExactlyInAnyOrder("a.#", "#", "a.#.c");
        assertThat(match(t, "a.x.y.c")).containsExactlyInAnyOrder("a.#", "#", "a.#.c");
        assertThat(match(t, "a.b")).containsExactlyInAnyOrder("a.b", "a.#", "#");
        assertThat(match(t, "z")).containsExactlyInAnyOrder("#", "*");
    }

    @Test
    void hashMatchesZeroWordsAnywhere() {
        TopicTree<String> t = new TopicTree<>();
        t.add("#.b", "#.b");
        t.add("a.#.#.b", "a.#.#.b");
        assertThat(match(t, "b")).containsExactly("#.b");
        assertThat(match(t, "a.b")).containsExactlyInAnyOrder("#.b", "a.#.#.b");
        assertThat(match(t, "a.x.b")).containsExactlyInAnyOrder("#.b", "a.#.#.b");
        assertThat(match(t, "a.b.c")).isEmpty();
    }

    @Test
    void removalPrunesAndIsPerSubscriber() {
        TopicTree<String> t = new TopicTree<>();
        t.add("a.*", "s1");
        t.add("a.*", "s2");
        assertThat(t.add("a.*", "s1")).isFalse();
        assertThat(t.size()).isEqualTo(2);
        assertThat(t.remove("a.*", "s1")).isTrue();
        assertThat(t.remove("a.*", "s1")).isFalse();
        assertThat(t.remove("x.y", "s1")).isFalse();
        assertThat(match(t, "a.b")).containsExactly("s2");
        t.remove("a.*", "s2");
        assertThat(t.size()).isZero();
        assertThat(match(t, "a.b")).isEmpty();
    }

    @Test
    void agreesWithTheReferenceMatcherOnRandomPatterns() {
        Random rnd = new Random(42);
        String[] words = {"a", "b", "c", "*", "#"};
        List<String> patterns = new ArrayList<>();
        TopicTree<String> t = new TopicTree<>();
        for (int i = 0; i < 400; i++) {
            StringBuilder p = new StringBuilder();
            int n = 1 + rnd.nextInt(5);
            for (int w = 0; w < n; w++) {
                p.append(w == 0 ? "" : ".").append(words[rnd.nextInt(words.length)]);
            }
            patterns.add(p.toString());
            t.add(p.toString(), p.toString());
        }
        for (int i = 0; i < 400; i++) {
            StringBuilder topic = new StringBuilder();
            int n = 1 + rnd.nextInt(6);
            for (int w = 0; w < n; w++) {
                topic.append(w == 0 ? "" : ".").append(words[rnd.nextInt(3)]);
            }
            Set<String> expected = new HashSet<>();
            for (String p : patterns) {
                if (Topics.matches(p, topic.toString())) {
                    expected.add(p);
                }
            }
            assertThat(match(t, topic.toString())).as(topic.toString()).isEqualTo(expected);
        }
    }

    @Test
    void adversarialHashChainsStayCheap() {
        TopicTree<String> t = new TopicTree<>();
        t.add("#.#.#.#.#.#.#.#.#.#.#.#.#.#.#.#.z", "deep");
        String topic = String.join(".", java.util.Collections.nCopies(31, "a")) + ".b";
        // Without memoization this walk is exponential; with it, it is a few thousand steps.
        assertThat(match(t, topic)).isEmpty();
        assertThat(match(t, topic.replace(".b", ".z"))).containsExactly("deep");
    }

    @Test
    void listenerSeesExistingPairsThenEveryChangeOnce() {
        TopicTree<String> t = new TopicTree<>();
        t.add("a.#", "s1");
        t.add("a.b", "s1");
        List<String> events = new ArrayList<>();
        TopicTree.Listener<String> l = new TopicTree.Listener<>() {
            @Override
            public void added(String pattern, String subscriber) {
                events.add("+" + pattern + " " + subscriber);
            }

            @Override
            public void removed(String pattern, String subscriber) {
                events.add("-" + pattern + " " + subscriber);
            }
        };
        t.addListener(l);
        assertThat(events).containsExactlyInAnyOrder("+a.# s1", "+a.b s1");
        events.clear();
        t.add("a.b", "s2");
        t.add("a.b", "s2"); // already there: no event
        t.remove("a.b", "s1");
        t.remove("x.y", "s1"); // not there: no event
        assertThat(events).containsExactly("+a.b s2", "-a.b s1");
        t.removeListener(l);
        t.remove("a.b", "s2");
        assertThat(events).hasSize(2);
    }

    @Test
    void anIndexFromCountsMatchesTheTreesOwn() {
        TopicTree<String> t = new TopicTree<>();
        t.add("a", "s1");
        t.add("a.b", "s1");
        t.add("a.b", "s2");
        t.add("a.b.c", "s3");
        t.add("a.*", "s4");
        t.add("z", "s5");
        for (String prefix : new String[] {"", "a", "a.b", "a.b.c", "nope"}) {
            assertThat(TopicIndex.of(t.patternCounts(), prefix, 1000)).as(prefix).isEqualTo(t.index(prefix, 1000));
        }
        assertThat(TopicIndex.of(t.patternCounts(), "a", 1).truncated()).isTrue();
    }
}
