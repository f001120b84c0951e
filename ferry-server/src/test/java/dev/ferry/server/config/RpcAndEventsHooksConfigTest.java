package dev.ferry.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code hooks.rpc.*} and {@code hooks.events.*} keys (docs/configuration.md, docs/hooks.md). */
class RpcAndEventsHooksConfigTest {
    @TempDir
    Path dir;

    @Test
    void rulesAndEventsFromYaml() throws Exception {
        Path yaml = dir.resolve("ferry.yaml");
        Files.writeString(yaml, """
                hooks:
                  rpc:
                    calc:
                      pattern: calc.*
                      url: http://127.0.0.1:8000/rpc
                      timeout: 5s
                      headers: ["X-Backend-Secret: s3cret"]
                    all:
                      pattern: app.#
                      url: https://backend.example/rpc
                  events:
                    url: http://127.0.0.1:8000/events
                    kinds: [connection_opened, connection_closed]
                    batch-size: 10
                    queue-size: 20
                    flush-interval: 250ms
                """);
        HooksConfig h = new ConfigLoader().yaml(yaml).load().hooks();
        assertThat(h.rpc()).containsExactly(
                new RpcHookConfig("all", "app.#", URI.create("https://backend.example/rpc"), Duration.ofSeconds(10),
                        Map.of(), 64),
                new RpcHookConfig("calc", "calc.*", URI.create("http://127.0.0.1:8000/rpc"), Duration.ofSeconds(5),
                        Map.of("X-Backend-Secret", "s3cret"), 64));
        EventsOutConfig e = h.events();
        assertThat(e.enabled()).isTrue();
        assertThat(e.kinds()).isEqualTo(Set.of("connection_opened", "connection_closed"));
        assertThat(e.batchSize()).isEqualTo(10);
        assertThat(e.queueSize()).isEqualTo(20);
        assertThat(e.flushInterval()).isEqualTo(Duration.ofMillis(250));
        assertThat(e.maxRetries()).isEqualTo(5);

        HooksConfig none = new ConfigLoader().load().hooks();
        assertThat(none.rpc()).isEmpty();
        assertThat(none.events().enabled()).isFalse();
        assertThat(none.events().kinds()).containsExactlyInAnyOrderElementsOf(EventsOutConfig.KINDS);
    }

    @Test
    void mistakesNameTheirKey() {
        assertThatThrownBy(() -> new ConfigLoader().set("hooks.rpc.x.pattern", "calc.*").load())
                .hasMessageContaining("hooks.rpc.x.url: missing");
        assertThatThrownBy(() -> new ConfigLoader().set("hooks.rpc.x.url", "http://h/rpc").load())
                .hasMessageContaining("hooks.rpc.x.pattern");
        assertThatThrownBy(() -> new ConfigLoader().set("hooks.rpc.x.url", "ftp://h/rpc")
                .set("hooks.rpc.x.pattern", "a.*").load())
                .hasMessageContaining("hooks.rpc.x.url");
        assertThatThrownBy(() -> new ConfigLoader().set("hooks.rpc.x.url", "http://h/rpc")
                .set("hooks.rpc.x.pattern", "a.*").set("hooks.rpc.x.headers", "no colon here").load())
                .hasMessageContaining("hooks.rpc.x.headers: entry 1");
        assertThatThrownBy(() -> new ConfigLoader().set("hooks.events.url", "http://h/e")
                .set("hooks.events.kinds", "connection_opened,presence_moved").load())
                .hasMessageContaining("hooks.events.kinds: \"presence_moved\"");
        assertThatThrownBy(() -> new ConfigLoader().set("hooks.events.url", "http://h/e")
                .set("hooks.events.batch-size", "100").set("hooks.events.queue-size", "10").load())
                .hasMessageContaining("hooks.events.queue-size");
    }
}
