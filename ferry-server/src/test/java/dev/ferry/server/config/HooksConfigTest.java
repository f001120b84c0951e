package dev.ferry.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code hooks.*} keys (docs/configuration.md, "Backend hooks"). */
class HooksConfigTest {
    @Test
    void noHookByDefault() {
        HooksConfig h = new ConfigLoader().load().hooks();
        assertThat(h).isEqualTo(HooksConfig.DEFAULT);
        assertThat(h.any()).isFalse();
        assertThat(h.forwardHeaders()).containsExactly("Cookie", "Authorization");
    }

    @Test
    void readsEveryHook() {
        HooksConfig h = new ConfigLoader()
                .set("hooks.connect.url", "http://127.0.0.1:9000/connect")
                .set("hooks.connect.timeout", "750ms")
                .set("hooks.connect.headers", "X-Secret: s3cr3t")
                .set("hooks.connect.forward-headers", "Cookie,X-Real-IP")
                .set("hooks.connect.failure-policy", "allow")
                .set("hooks.refresh.url", "http://127.0.0.1:9000/refresh")
                .set("hooks.subscribe.rooms.pattern", "room.*")
                .set("hooks.subscribe.rooms.url", "http://127.0.0.1:9000/subscribe")
                .set("hooks.publish.chat.pattern", "chat.#")
                .set("hooks.publish.chat.url", "https://app.example/publish")
                .set("hooks.publish.chat.max-concurrency", "8")
                .set("hooks.breaker.failures", "2")
                .load().hooks();
        assertThat(h.connect()).isEqualTo(new HooksConfig.Endpoint("hooks.connect",
                URI.create("http://127.0.0.1:9000/connect"), Duration.ofMillis(750), Map.of("X-Secret", "s3cr3t"),
                HooksConfig.FailurePolicy.ALLOW, 64));
        assertThat(h.connect().name()).isEqualTo("connect");
        assertThat(h.forwardHeaders()).containsExactly("Cookie", "X-Real-IP");
        assertThat(h.refresh().failurePolicy()).isEqualTo(HooksConfig.FailurePolicy.REFUSE);
        assertThat(h.subscribe()).extracting(HooksConfig.Rule::name, HooksConfig.Rule::pattern)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("rooms", "room.*"));
        assertThat(h.publish().get(0).endpoint().maxConcurrency()).isEqualTo(8);
        assertThat(h.publish().get(0).endpoint().name()).isEqualTo("publish.chat");
        assertThat(h.breakerFailures()).isEqualTo(2);
        assertThat(h.any()).isTrue();
    }

    @Test
    void refusesBadValues() {
        assertThatThrownBy(() -> new ConfigLoader().set("hooks.connect.url", "ftp://x/").load())
                .isInstanceOf(ConfigException.class).hasMessageContaining("hooks.connect.url");
        assertThatThrownBy(() -> new ConfigLoader().set("hooks.subscribe.a.pattern", "a.*").load())
                .isInstanceOf(ConfigException.class).hasMessageContaining("hooks.subscribe.a.url: missing");
        assertThatThrownBy(() -> new ConfigLoader().set("hooks.publish.a.url", "http://h/").load())
                .isInstanceOf(ConfigException.class).hasMessageContaining("hooks.publish.a.pattern");
        assertThatThrownBy(() -> new ConfigLoader().set("hooks.connect.headers", List.of("nocolon").get(0))
                .set("hooks.connect.url", "http://h/").load())
                .isInstanceOf(ConfigException.class).hasMessageContaining("Name: value");
    }
}
