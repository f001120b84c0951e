package dev.ferry.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code state.*} keys (docs/configuration.md) from YAML, the environment and settings. */
class StateConfigTest {
    @TempDir
    Path dir;

    @Test
    void rulesFromYamlAndTheEnvironment() throws Exception {
        Path yaml = dir.resolve("ferry.yaml");
        Files.writeString(yaml, """
                state:
                  max-document-bytes: 32KiB
                  create-on-write: true
                  channels:
                    boards:
                      pattern: board.*
                      max-document-bytes: 1MiB
                    settings:
                      pattern: settings.#
                """);
        FerryConfig c = new ConfigLoader().yaml(yaml)
                .env(Map.of("FERRY_STATE_CHANNELS_PRESENCE_PATTERN", "rooms.*.members")).load();
        assertThat(c.state().maxDocumentBytes()).isEqualTo(32 * 1024);
        assertThat(c.state().createOnWrite()).isTrue();
        assertThat(c.state().channels()).containsExactly(
                new StateConfig.Channel("boards", "board.*", 1 << 20),
                new StateConfig.Channel("presence", "rooms.*.members", 32 * 1024),
                new StateConfig.Channel("settings", "settings.#", 32 * 1024));
        assertThat(c.state().channelFor("board.7").name()).isEqualTo("boards");
        assertThat(c.state().channelFor("rooms.a.members").name()).isEqualTo("presence");
        assertThat(c.state().channelFor("chat.x")).isNull();
    }

    @Test
    void defaultsAndErrors() {
        assertThat(new ConfigLoader().load().state()).isEqualTo(StateConfig.DEFAULT);
        assertThat(StateConfig.DEFAULT.createOnWrite()).isFalse();
        assertThatThrownBy(() -> new ConfigLoader().set("state.channels.x.pattern", "a..b").load())
                .hasMessageContaining("state.channels.x.pattern");
        assertThatThrownBy(() -> new ConfigLoader().set("state.channels.x.max-document-bytes", "1KiB").load())
                .hasMessageContaining("state.channels.x.pattern");
        assertThatThrownBy(() -> new ConfigLoader().set("state.max-document-bytes", "0").load())
                .hasMessageContaining("state.max-document-bytes");
    }
}
