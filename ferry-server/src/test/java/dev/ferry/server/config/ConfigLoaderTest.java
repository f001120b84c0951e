package dev.ferry.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    @Test
    void defaultsWhenGivenNothing() {
        assertThat(new ConfigLoader().load()).isEqualTo(FerryConfig.DEFAULT);
    }

    @Test
    void yamlThenEnvironmentThenSettings() throws Exception {
        Path yaml = dir.resolve("ferry.yaml");
        Files.writeString(yaml, """
                server:
                  port: 9000
                  shutdown-grace: 3s
                websocket:
                  max-message-bytes: 2MiB
                  outbound-queue-bytes: 8MiB
                  ping-interval: 500ms
                http:
                  api-keys:
                    - aaaaaaaaaaaaaaaa
                    - bbbbbbbbbbbbbbbb
                """);
        FerryConfig c = new ConfigLoader()
                .yaml(yaml)
                .env(Map.of("FERRY_SERVER_PORT", "9100", "FERRY_RPC_DEFAULT_TIMEOUT", "2m", "UNRELATED", "x"))
                .set("server.port", "9200")
                .load();
        assertThat(c.server().port()).isEqualTo(9200);
        assertThat(c.server().shutdownGrace()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.websocket().maxMessageBytes()).isEqualTo(2 << 20);
        assertThat(c.websocket().outboundQueueBytes()).isEqualTo(8 << 20);
        assertThat(c.websocket().pingInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.rpc().defaultTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.http().apiKeys()).containsExactly("aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb");
    }

    @Test
    void envNames() {
        assertThat(ConfigLoader.envName("websocket.max-message-bytes")).isEqualTo("FERRY_WEBSOCKET_MAX_MESSAGE_BYTES");
    }

    @Test
    void errorsNameTheKeyAndTheExpectation() {
        assertThatThrownBy(() -> new ConfigLoader().set("websocket.max-mesage-bytes", "1").load())
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown configuration key \"websocket.max-mesage-bytes\"");
        assertThatThrownBy(() -> new ConfigLoader().set("server.port", "eighty").load())
                .hasMessage("server.port: \"eighty\" (expected: an integer)");
        assertThatThrownBy(() -> new ConfigLoader().set("server.port", "70000").load())
                .hasMessage("server.port: 70000 (expected: 0..65535)");
        assertThatThrownBy(() -> new ConfigLoader().set("websocket.ping-interval", "soon").load())
                .hasMessageContaining("websocket.ping-interval: \"soon\" (expected: a duration");
        assertThatThrownBy(() -> new ConfigLoader().set("websocket.idle-timeout", "10s").load())
                .hasMessage("websocket.idle-timeout: 10s (expected: longer than websocket.ping-interval, 25s)");
        assertThatThrownBy(() -> new ConfigLoader().set("websocket.max-message-bytes", "1 MB").load())
                .hasMessageContaining("websocket.max-message-bytes: \"1 MB\" (expected: a size");
        assertThatThrownBy(() -> new ConfigLoader().set("websocket.outbound-queue-bytes", "1KiB").load())
                .hasMessageContaining("websocket.outbound-queue-bytes: 1024 (expected: >= websocket.max-message-bytes");
        assertThatThrownBy(() -> new ConfigLoader().set("server.native-transport", "maybe").load())
                .hasMessage("server.native-transport: \"maybe\" (expected: true or false)");
        assertThatThrownBy(() -> new ConfigLoader().set("http.api-keys", "short").load())
                .hasMessageContaining("http.api-keys: a key of 5 characters (expected: at least 16 characters)");
        assertThatThrownBy(() -> new ConfigLoader().set("rpc.default-timeout", "10m").load())
                .hasMessage("rpc.default-timeout: 10m (expected: <= rpc.max-timeout, 5m)");
    }

    @Test
    void badYaml() throws Exception {
        Path yaml = dir.resolve("bad.yaml");
        Files.writeString(yaml, "- just\n- a list\n");
        assertThatThrownBy(() -> new ConfigLoader().yaml(yaml)).hasMessageContaining("expected a YAML mapping");
        assertThatThrownBy(() -> new ConfigLoader().yaml(dir.resolve("missing.yaml"))).hasMessageContaining("cannot read config file");
        Files.writeString(yaml, "server: {port: [1, 2}\n");
        assertThatThrownBy(() -> new ConfigLoader().yaml(yaml)).isInstanceOf(ConfigException.class);
    }

    @Test
    void everyKeyIsDocumented() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "configuration.md"));
        for (String key : ConfigLoader.KEYS) {
            assertThat(doc).as(key).contains("| `" + key + "` |");
        }
        for (String key : ConfigLoader.NAMED_KEYS) {
            assertThat(doc).as(key).contains("| `" + key + "` |");
        }
        assertThat(List.copyOf(ConfigLoader.KEYS)).doesNotHaveDuplicates();
    }
}
