package dev.ferry.server.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.protocol.Payload;
import dev.ferry.server.config.ConfigException;
import dev.ferry.server.config.EventsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventClassesTest {
    /** The chat message schema of the tests, as a file. */
    static Path chatSchema() {
        try {
            return Path.of(EventClassesTest.class.getResource("chat-message.schema.json").toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Class {@code chat} on {@code chat.*} with the chat schema, and class {@code audit} on {@code audit.#}. */
    static EventsConfig config() {
        return new EventsConfig(List.of(
                new EventsConfig.EventClass("audit", "audit.#", null, "what operators did", List.of("actor"), null),
                new EventsConfig.EventClass("chat", "chat.*", chatSchema(), "a message in a room", List.of(),
                        "{\"author\":\"ann\",\"text\":\"hello\"}")));
    }

    private final EventClasses classes = EventClasses.compile(config());

    @Test
    void aValidPayloadAndATopicOfNoClassPass() {
        assertThat(classes.check("chat.r1", Payload.json("{\"author\":\"ann\",\"text\":\"hi\"}"), Map.of())).isNull();
        assertThat(classes.check("other.t", Payload.binary(new byte[] {1}), Map.of())).isNull();
        assertThat(classes.classOf("chat.r1").name()).isEqualTo("chat");
        assertThat(classes.classOf("chat.r1.x")).isNull();
    }

    @Test
    void anInvalidPayloadNamesEveryFailingPointer() {
        Violation v = classes.check("chat.r1", Payload.json("{\"author\":\"\",\"text\":7}"), Map.of());
        assertThat(v.eventClass()).isEqualTo("chat");
        assertThat(v.problems()).extracting(Violation.Problem::pointer).containsExactlyInAnyOrder("/author", "/text");
        assertThat(v.message()).startsWith("payload does not match event class \"chat\": /");

        Violation missing = classes.check("chat.r1", Payload.json("{\"text\":\"x\"}"), Map.of());
        assertThat(missing.problems()).singleElement().satisfies(p -> {
            assertThat(p.pointer()).isEmpty();
            assertThat(p.message()).contains("author");
        });
    }

    @Test
    void aThreadsReusedWalkGivesEachPayloadItsOwnVerdict() throws Exception {
        Payload valid = Payload.json("{\"author\":\"ann\",\"text\":\"hi\"}");
        Payload invalid = Payload.json("{\"author\":\"\",\"text\":7}");
        for (int round = 0; round < 3; round++) {
            assertThat(classes.check("chat.r1", valid, Map.of())).isNull();
            assertThat(classes.check("chat.r1", valid, Map.of())).isNull();
            assertThat(classes.check("chat.r1", invalid, Map.of()).problems())
                    .extracting(Violation.Problem::pointer).containsExactlyInAnyOrder("/author", "/text");
            assertThat(classes.check("chat.r1", Payload.json("{\"text\":\"x\"}"), Map.of()).problems())
                    .singleElement().satisfies(p -> assertThat(p.message()).contains("author"));
        }
        // another thread walks with a context of its own, and this thread's still answers right afterwards
        var other = java.util.concurrent.CompletableFuture.supplyAsync(() ->
                classes.check("chat.r2", invalid, Map.of()) != null && classes.check("chat.r2", valid, Map.of()) == null);
        assertThat(other.get(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(classes.check("chat.r1", valid, Map.of())).isNull();
    }

    @Test
    void binaryAndNonJsonPayloadsAreRefusedOnAClassWithASchema() {
        assertThat(classes.check("chat.r1", Payload.binary(new byte[] {'{', '}'}), Map.of()).problems().get(0).message())
                .contains("binary");
        assertThat(classes.check("chat.r1", Payload.json("{\"author\":"), Map.of()).problems().get(0).message())
                .startsWith("not JSON");
    }

    @Test
    void requiredTagsAreCheckedWithoutASchema() {
        assertThat(classes.check("audit.login", Payload.json("1"), Map.of()).missingTag()).isEqualTo("actor");
        assertThat(classes.check("audit.login", Payload.binary(new byte[] {1}), Map.of("actor", "ann"))).isNull();
    }

    @Test
    void aDeeplyNestedPayloadIsAViolationNotAStackOverflow() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        assertThat(classes.check("chat.r1", Payload.json(deep), Map.of()).problems().get(0).message())
                .startsWith("not JSON");
    }

    @Test
    void problemsAreCappedPerPayload() {
        StringBuilder many = new StringBuilder("{\"author\":\"a\",\"text\":\"b\",\"mentions\":[");
        for (int i = 0; i < 15; i++) {
            many.append(i == 0 ? "" : ",").append(i);
        }
        Violation v = classes.check("chat.r1", Payload.json(many.append("]}").toString()), Map.of());
        assertThat(v.problems()).hasSize(EventClasses.MAX_PROBLEMS);
        assertThat(v.problems().get(0).pointer()).isEqualTo("/mentions/0");
    }

    @Test
    void badSchemasAndExamplesFailTheStart(@TempDir Path dir) throws Exception {
        Path notJson = Files.writeString(dir.resolve("bad.json"), "{\"type\":");
        assertThatThrownBy(() -> EventClasses.compile(new EventsConfig(List.of(
                new EventsConfig.EventClass("c", "c.*", notJson, "", List.of(), null)))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("events.c.schema:");
        assertThatThrownBy(() -> EventClasses.compile(new EventsConfig(List.of(
                new EventsConfig.EventClass("c", "c.*", dir.resolve("absent.json"), "", List.of(), null)))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("events.c.schema: cannot read");
        assertThatThrownBy(() -> EventClasses.compile(new EventsConfig(List.of(
                new EventsConfig.EventClass("c", "c.*", chatSchema(), "", List.of(), "{\"text\":\"no author\"}")))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("events.c.example: the schema rejects it");
    }
}
