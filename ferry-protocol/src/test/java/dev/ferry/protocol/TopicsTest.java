package dev.ferry.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void validTopics() {
        assertThat(Topics.checkTopic("a")).isNull();
        assertThat(Topics.checkTopic("chat.room-1.user_2:x@y~z+w")).isNull();
        assertThat(Topics.checkTopic("météo.zürich")).isNull();
    }

    @Test
    void invalidTopics() {
        assertThat(Topics.checkTopic("")).contains("empty");
        assertThat(Topics.checkTopic(null)).contains("empty");
        assertThat(Topics.checkTopic("a..b")).contains("empty word");
        assertThat(Topics.checkTopic(".a")).contains("empty word");
        assertThat(Topics.checkTopic("a.")).contains("empty word");
        assertThat(Topics.checkTopic("a.*")).contains("wildcard");
        assertThat(Topics.checkTopic("a.#")).contains("wildcard");
        assertThat(Topics.checkTopic("a b")).contains("' '");
        assertThat(Topics.checkTopic("a/b")).contains("'/'");
        assertThat(Topics.checkTopic("a\u0000b")).contains("U+0000");
        assertThat(Topics.checkTopic("x".repeat(256))).contains("255 bytes");
        assertThat(Topics.checkTopic("a.".repeat(32) + "a")).contains("32 words");
        assertThat(Topics.checkPattern("a.b*")).contains("whole word");
        assertThat(Topics.checkPattern("a.#x")).contains("whole word");
    }

    @Test
    void theBoundsHoldAtTheirEdges() {
        String word128 = "w".repeat(Topics.MAX_WORD_CHARS);
        assertThat(Topics.checkTopic(word128)).isNull();
        assertThat(Topics.checkTopic(word128 + "w")).contains("word longer than");
        assertThat(Topics.checkTopic(String.join(".", java.util.Collections.nCopies(Topics.MAX_WORDS, "a")))).isNull();
        assertThat(Topics.checkTopic(String.join(".", java.util.Collections.nCopies(Topics.MAX_WORDS + 1, "a"))))
                .contains("more than");
        String bytes255 = "b".repeat(100) + "." + "b".repeat(100) + "." + "b".repeat(53);
        assertThat(bytes255).hasSize(Topics.MAX_BYTES);
        assertThat(Topics.checkTopic(bytes255)).isNull();
        assertThat(Topics.checkTopic(bytes255 + "b")).contains("longer than");
        assertThat(Topics.checkTopic("a..b")).contains("empty word at position 2");
        assertThat(Topics.checkTopic(".a")).contains("empty word at position 1");
        assertThat(Topics.checkTopic("a.")).contains("empty word at position 2");
        assertThat(Topics.checkTopic("caf\u00e9.menu")).as("non-ASCII words take the full check").isNull();
        assertThat(Topics.checkTopic("a b")).contains("not allowed");
    }

    @Test
    void validPatterns() {
        assertThat(Topics.checkPattern("#")).isNull();
        assertThat(Topics.checkPattern("*.b.#")).isNull();
        assertThat(Topics.hasWildcard("a.*")).isTrue();
        assertThat(Topics.hasWildcard("a.b")).isFalse();
    }

    @Test
    void referenceMatching() {
        assertThat(Topics.matches("a.*.c", "a.b.c")).isTrue();
        assertThat(Topics.matches("a.*.c", "a.c")).isFalse();
        assertThat(Topics.matches("a.#", "a")).isTrue();
        assertThat(Topics.matches("a.#.z", "a.z")).isTrue();
        assertThat(Topics.matches("a.#.z", "a.b.c.z")).isTrue();
        assertThat(Topics.matches("#", "x.y")).isTrue();
        assertThat(Topics.matches("*", "x.y")).isFalse();
        assertThat(Topics.matches("#.b", "b")).isTrue();
    }
}
