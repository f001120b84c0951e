package dev.ferry.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.Topics;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class NamesTest {
    private final Names names = new Names("p");

    @Test
    void concreteTopicsAreChannelsAndPatternsAreGlobs() {
        assertThat(names.subscription("a.b")).isEqualTo("p:t:{a.b}");
        assertThat(names.subscription("a.*.c")).isEqualTo("p:t:{a.*.c}");
        assertThat(names.subscription("a.#")).isEqualTo("p:t:{a*}");
        assertThat(names.subscription("#.b")).isEqualTo("p:t:{*b}");
        assertThat(names.subscription("a.#.b")).isEqualTo("p:t:{a*b}");
        assertThat(names.subscription("#")).isEqualTo("p:t:{*}");
        assertThat(names.subscription("#.#.b")).isEqualTo("p:t:{*b}");
        assertThat(names.subscription("*.#")).isEqualTo("p:t:{*}");
        assertThat(Names.isGlob(names.subscription("a.b"))).isFalse();
    }

    @Test
    void everyGlobMatchesAtLeastWhatItsPatternMatches() {
        List<String> patterns = List.of("a.*", "a.#", "#.b", "a.#.b", "*.*", "#", "a.*.#", "#.a.#", "*.b.#.c");
        List<String> topics = List.of("a", "b", "a.b", "a.b.c", "x.a.b", "a.x.y.b", "q.b.c", "q.b.r.c", "a.a", "b.b.b.c");
        for (String p : patterns) {
            Pattern glob = Pattern.compile(names.subscription(p).replace(".", "\\.").replace("*", ".*")
                    .replace("{", "\\{").replace("}", "\\}"));
            for (String t : topics) {
                if (Topics.matches(p, t)) {
                    assertThat(glob.matcher("p:t:{" + t + "}").matches()).as(p + " ~ " + t).isTrue();
                }
            }
        }
    }

    @Test
    void topicOfAChannel() {
        assertThat(names.topicOf(names.topicChannel("a.b"))).isEqualTo("a.b");
        assertThat(names.topicOf(names.nodeChannel("n1"))).isNull();
    }

    @Test
    void theKeysOfATopicShareOneHashTag() {
        for (byte[] key : List.of(names.meta("a.b"), names.stream("a.b"), names.topicChannel("a.b"))) {
            String k = new String(key, java.nio.charset.StandardCharsets.UTF_8);
            assertThat(k.substring(k.indexOf('{'), k.indexOf('}') + 1)).isEqualTo("{a.b}");
        }
    }
}
