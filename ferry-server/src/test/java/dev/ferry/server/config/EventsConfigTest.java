package dev.ferry.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code events.*} keys (docs/configuration.md, "Event classes") from YAML and settings. */
class EventsConfigTest {
    @TempDir
    Path dir;

    @Test
    void classesFromYamlInNameOrder() throws Exception {
        Path yaml = dir.resolve("ferry.yaml");
        Files.writeString(yaml, """
                events:
                  chat-message:
                    pattern: chat.*
                    schema: schemas/chat.json
                    description: a message posted in a chat room
                    example: '{"author":"ann","text":"hello"}'
                  audit:
                    pattern: audit.#
                    tags: [actor, reason]
                """);
        FerryConfig c = new ConfigLoader().yaml(yaml).load();
        assertThat(c.events().classes()).containsExactly(
                new EventsConfig.EventClass("audit", "audit.#", null, "", List.of("actor", "reason"), null),
                new EventsConfig.EventClass("chat-message", "chat.*", Path.of("schemas/chat.json"),
                        "a message posted in a chat room", List.of(), "{\"author\":\"ann\",\"text\":\"hello\"}"));
        assertThat(new ConfigLoader().load().events()).isEqualTo(EventsConfig.DEFAULT);
    }

    @Test
    void aClassNeedsAValidPattern() {
        assertThatThrownBy(() -> new ConfigLoader().set("events.x.pattern", "a..b").load())
                .hasMessageContaining("events.x.pattern");
        assertThatThrownBy(() -> new ConfigLoader().set("events.x.description", "no pattern").load())
                .hasMessageContaining("events.x.pattern");
    }
}
