package dev.ferry.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.server.config.ConfigException;
import dev.ferry.server.config.ConfigKey;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.extension.Extensions;
import dev.ferry.server.extension.FerryExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RabbitConfigTest {
    private static Map<String, String> minimal() {
        Map<String, String> m = new HashMap<>();
        m.put("rabbitmq.bridges.obs.exchange", "xpublic");
        m.put("rabbitmq.bridges.obs.direction", "in");
        m.put("rabbitmq.bridges.obs.patterns", "v02.post.#");
        return m;
    }

    private static Map<String, String> with(String key, String value) {
        Map<String, String> m = minimal();
        if (value == null) {
            m.remove(key);
        } else {
            m.put(key, value);
        }
        return m;
    }

    @Test
    void defaults() {
        RabbitConfig c = RabbitConfig.parse(minimal());
        assertThat(c.uri()).isEqualTo(RabbitConfig.DEFAULT_URI);
        assertThat(c.nodeId()).startsWith("ferry-");
        BridgeConfig b = c.bridges().get(0);
        assertThat(b.bind()).isEqualTo(BindMode.INTEREST);
        assertThat(b.queue()).isEmpty();
        assertThat(b.durable()).isFalse();
        assertThat(b.prefetch()).isEqualTo(RabbitConfig.DEFAULT_PREFETCH);
        assertThat(b.toFerry("v02.post.a")).isEqualTo("v02.post.a");
    }

    @Test
    void prefixMapsBothWays() {
        BridgeConfig b = RabbitConfig.parse(with("rabbitmq.bridges.obs.topic-prefix", "meteo.ca")).bridges().get(0);
        assertThat(b.toFerry("v02.post.a")).isEqualTo("meteo.ca.v02.post.a");
        assertThat(b.toRoutingKey("meteo.ca.v02.post.a")).isEqualTo("v02.post.a");
        assertThat(b.ferryPatterns()).containsExactly("meteo.ca.v02.post.#");
    }

    @Test
    void badConfigNamesTheKey() {
        assertBad(with("rabbitmq.bridges.obs.exchange", null), "rabbitmq.bridges.obs.exchange: missing");
        assertBad(with("rabbitmq.bridges.obs.direction", "sideways"), "rabbitmq.bridges.obs.direction: \"sideways\" (expected: in, out or both)");
        assertBad(with("rabbitmq.bridges.obs.direction", null), "rabbitmq.bridges.obs.direction: missing");
        assertBad(with("rabbitmq.bridges.obs.patterns", null), "rabbitmq.bridges.obs.patterns: missing");
        assertBad(with("rabbitmq.bridges.obs.patterns", "a..b"), "rabbitmq.bridges.obs.patterns: \"a..b\"");
        assertBad(with("rabbitmq.bridges.obs.topic-prefix", "a.*"), "rabbitmq.bridges.obs.topic-prefix: \"a.*\"");
        assertBad(with("rabbitmq.bridges.obs.bind", "sometimes"), "rabbitmq.bridges.obs.bind: \"sometimes\" (expected: interest or fixed)");
        assertBad(with("rabbitmq.bridges.obs.durable", "true"), "rabbitmq.bridges.obs.durable: true needs rabbitmq.bridges.obs.queue");
        Map<String, String> durableInterest = with("rabbitmq.bridges.obs.durable", "true");
        durableInterest.put("rabbitmq.bridges.obs.queue", "ferry-obs");
        assertBad(durableInterest, "rabbitmq.bridges.obs.durable: true needs rabbitmq.bridges.obs.bind: fixed");
        assertBad(with("rabbitmq.bridges.obs.prefetch", "0"), "rabbitmq.bridges.obs.prefetch: 0");
        assertBad(with("rabbitmq.bridges.obs.prefetch", "many"), "rabbitmq.bridges.obs.prefetch: \"many\" (expected: an integer)");
        assertBad(with("rabbitmq.bridges.obs.exchnage", "x"), "unknown configuration key \"rabbitmq.bridges.obs.exchnage\"");
        assertBad(with("rabbitmq.url", "amqp://x"), "unknown configuration key \"rabbitmq.url\"");
        assertBad(with("rabbitmq.uri", "http://127.0.0.1"), "rabbitmq.uri: \"http://127.0.0.1\"");
        assertBad(with("rabbitmq.reconnect-delay", "0"), "rabbitmq.reconnect-delay");
        assertBad(with("rabbitmq.reconnect-delay", "soon"), "rabbitmq.reconnect-delay: \"soon\"");
        assertBad(with("rabbitmq.outbound-queue-bytes", "lots"), "rabbitmq.outbound-queue-bytes: \"lots\"");
        assertBad(Map.of("rabbitmq.uri", "amqp://127.0.0.1"), "rabbitmq.bridges: missing");
        Map<String, String> outWithQueue = with("rabbitmq.bridges.obs.direction", "out");
        outWithQueue.put("rabbitmq.bridges.obs.queue", "q");
        assertBad(outWithQueue, "rabbitmq.bridges.obs.queue: only an inbound bridge");
    }

    private static void assertBad(Map<String, String> settings, String message) {
        assertThatThrownBy(() -> RabbitConfig.parse(settings)).isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }

    /** What {@code ferry serve} does: the loader finds the provider on the class path and hands it the section. */
    @Test
    void configLoaderFindsTheProvider() {
        Extensions extensions = Extensions.onClassPath();
        ConfigLoader loader = extensions.loader();
        minimal().forEach(loader::set);
        loader.load();
        List<FerryExtension> exts = extensions.create(loader);
        assertThat(exts).hasSize(1);
        assertThat(exts.get(0)).isInstanceOf(RabbitBridge.class);
        assertThat(((RabbitBridge) exts.get(0)).config().bridges().get(0).exchange()).isEqualTo("xpublic");

        ConfigLoader bad = extensions.loader().set("rabbitmq.bridges.obs.direction", "up");
        bad.load();
        assertThatThrownBy(() -> extensions.create(bad)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("rabbitmq.bridges.obs.");
        assertThat(extensions.create(extensions.loader())).isEmpty();
        assertThatThrownBy(() -> extensions.loader().set("rabbitmq.bridges.obs.exchnage", "x").load())
                .hasMessage("unknown configuration key \"rabbitmq.bridges.obs.exchnage\" (from setting);"
                        + " did you mean \"rabbitmq.bridges.obs.exchange\"?");
    }

    @Test
    void everyKeyIsDocumented() throws Exception {
        String config = Files.readString(Path.of("..", "docs", "configuration.md"));
        String guide = Files.readString(Path.of("..", "docs", "rabbitmq.md"));
        for (ConfigKey declared : RabbitConfig.SCHEMA.keys()) {
            String key = declared.name();
            assertThat(config).as(key).contains("| `" + key + "` |");
            assertThat(guide).as(key).contains(key.substring(key.lastIndexOf('.') + 1));
        }
    }
}
