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
    void topicLimitIsReadAndChecked() {
        assertThat(FerryConfig.DEFAULT.limits().maxTopics()).as("0: derived from the heap").isZero();
        assertThat(new ConfigLoader().set("limits.max-topics", "5000").load().limits().maxTopics()).isEqualTo(5000);
        assertThatThrownBy(() -> new ConfigLoader().set("limits.max-topics", "-1").load())
                .hasMessageContaining("limits.max-topics");
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
    void setIfAbsentLiesUnderWhatWasGivenAndNamesItsSource() {
        ConfigLoader loader = new ConfigLoader()
                .env(Map.of("FERRY_HISTORY_SIZE", "7"))
                .setIfAbsent("history.size", "50", "a layer")
                .setIfAbsent("history.ttl", "1h", "a layer")
                .setIfAbsent("history.rules.x.siz", "1", "a layer");
        assertThat(loader.value("history.size")).isEqualTo("7");
        assertThat(loader.value("history.ttl")).isEqualTo("1h");
        assertThat(loader.value("history.max-recovery")).isNull();
        assertThatThrownBy(loader::load).isInstanceOf(ConfigException.class)
                .hasMessageContaining("\"history.rules.x.siz\" (from a layer)");
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
        assertThatThrownBy(() -> new ConfigLoader().set("rpc.routing", "nearest").load())
                .hasMessage("rpc.routing: \"nearest\" (expected: round-robin or local-first)");
        assertThat(new ConfigLoader().set("rpc.routing", "Local-First").load().rpc().routing())
                .isEqualTo(dev.ferry.server.config.RpcConfig.Routing.LOCAL_FIRST);
    }

    @Test
    void badYaml() throws Exception {
        Path yaml = dir.resolve("bad.yaml");
        Files.writeString(yaml, "- just\n- a list\n");
        assertThatThrownBy(() -> new ConfigLoader().yaml(yaml)).hasMessageContaining("expected a YAML mapping");
        assertThatThrownBy(() -> new ConfigLoader().yaml(dir.resolve("missing.yaml"))).hasMessageContaining("no such file");
        Files.writeString(yaml, "server: {port: [1, 2}\n");
        assertThatThrownBy(() -> new ConfigLoader().yaml(yaml)).isInstanceOf(ConfigException.class);
    }

    @Test
    void routesFromYamlEnvironmentAndSettings() throws Exception {
        Path yaml = dir.resolve("routes.yaml");
        Files.writeString(yaml, """
                amqp:
                  routes:
                    artemis: {path: /amqp, upstream: "127.0.0.1:5672", tls: false, max-connections: 7}
                    other: {upstream: "broker.example:5671", tls: true}
                tunnel:
                  routes:
                    rabbit: {upstream: "127.0.0.1:5672", max-connections: 100}
                  max-frame-bytes: 4MiB
                  idle-ping: 5s
                """);
        FerryConfig c = new ConfigLoader()
                .yaml(yaml)
                .env(Map.of("FERRY_TUNNEL_ROUTES_RABBIT_EU_UPSTREAM", "[::1]:5673",
                        "FERRY_AMQP_ROUTES_ARTEMIS_MAX_CONNECTIONS", "9"))
                .set("tunnel.routes.rabbit.max-connections", "3")
                .set("tunnel.routes.rabbit.auth", "required")
                .load();
        assertThat(c.tunnel().maxFrameBytes()).isEqualTo(4 << 20);
        assertThat(c.tunnel().idlePing()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.tunnel().routes()).containsExactly(
                new TunnelRoute(TunnelRoute.Kind.AMQP, "artemis", "/amqp", "127.0.0.1", 5672, false, 9),
                new TunnelRoute(TunnelRoute.Kind.AMQP, "other", "/amqp/other", "broker.example", 5671, true, 100),
                new TunnelRoute(TunnelRoute.Kind.TCP, "rabbit", "/v1/tunnel/rabbit", "127.0.0.1", 5672, false, 3, true),
                new TunnelRoute(TunnelRoute.Kind.TCP, "rabbit-eu", "/v1/tunnel/rabbit-eu", "::1", 5673, false, 100));
        assertThat(c.tunnel().routes().get(3).upstream()).isEqualTo("[::1]:5673");
    }

    @Test
    void routeErrorsNameTheKey() {
        assertThatThrownBy(() -> new ConfigLoader().set("tunnel.routes.rabbit.max-connections", "3").load())
                .hasMessage("tunnel.routes.rabbit.upstream: missing (expected: host:port of the upstream)");
        assertThatThrownBy(() -> new ConfigLoader().set("amqp.routes.artemis.upstream", "127.0.0.1:5672")
                .set("amqp.routes.artemis.auth", "maybe").load())
                .hasMessage("amqp.routes.artemis.auth: \"maybe\" (expected: required or none)");
        assertThatThrownBy(() -> new ConfigLoader().set("tunnel.routes.rabbit.upstream", "localhost").load())
                .hasMessage("tunnel.routes.rabbit.upstream: \"localhost\" (expected: host:port, e.g. 127.0.0.1:5672)");
        assertThatThrownBy(() -> new ConfigLoader().set("tunnel.routes.rabbit.upstream", "h:99999").load())
                .hasMessageStartingWith("tunnel.routes.rabbit.upstream: \"h:99999\"");
        assertThatThrownBy(() -> new ConfigLoader().set("tunnel.routes.rabbit.path", "/x").load())
                .hasMessageContaining("unknown configuration key \"tunnel.routes.rabbit.path\"");
        assertThatThrownBy(() -> new ConfigLoader().set("tunnel.routes.Rabbit.upstream", "h:1").load())
                .hasMessageContaining("tunnel.routes.Rabbit: bad route name \"Rabbit\"");
        assertThatThrownBy(() -> new ConfigLoader().set("amqp.routes.a.upstream", "h:1")
                .set("amqp.routes.a.max-connections", "0").load())
                .hasMessage("amqp.routes.a.max-connections: 0 (expected: > 0)");
        assertThatThrownBy(() -> new ConfigLoader().set("amqp.routes.a.upstream", "h:1")
                .set("amqp.routes.a.path", "/v1/ws").load())
                .hasMessageStartingWith("amqp.routes.a.path: /v1/ws (expected: a path outside /v1/");
        assertThatThrownBy(() -> new ConfigLoader().set("amqp.routes.a.upstream", "h:1").set("amqp.routes.a.path", "/q")
                .set("amqp.routes.b.upstream", "h:1").set("amqp.routes.b.path", "/q").load())
                .hasMessageStartingWith("amqp.routes.b.path: /q (expected: a path no other route uses; amqp.routes.a.path has it)");
        assertThatThrownBy(() -> new ConfigLoader().set("amqp.routes.a.upstream", "h:1").set("amqp.routes.a.tls", "sure").load())
                .hasMessage("amqp.routes.a.tls: \"sure\" (expected: true or false)");
        assertThatThrownBy(() -> new ConfigLoader().set("tunnel.max-frame-bytes", "1KiB").load())
                .hasMessage("tunnel.max-frame-bytes: 1024 (expected: >= 4096)");
    }

    @Test
    void everyDeclaredKeyIsDocumentedAndEveryDocumentedKeyDeclared() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "configuration.md"));
        for (ConfigKey key : FerryKeys.SCHEMA.keys()) {
            assertThat(doc).as(key.name()).contains("| `" + key.name() + "` |");
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^\\| `([a-z0-9.<>-]+)` \\|").matcher(doc);
        while (m.find()) {
            String key = m.group(1);
            // rabbitmq.* and redis.* are owned by the ferry-rabbitmq and ferry-redis extensions, whose tests check them
            if (!key.startsWith("rabbitmq.") && !key.startsWith("redis.")) {
                assertThat(FerryKeys.SCHEMA.isKnown(key.replace(ConfigKey.NAME, "x"))).as(key).isTrue();
            }
        }
    }

    @Test
    void anUnknownKeyIsAnsweredWithTheClosestKnownOne() {
        assertThatThrownBy(() -> new ConfigLoader().set("websocket.max-mesage-bytes", "1").load())
                .hasMessage("unknown configuration key \"websocket.max-mesage-bytes\" (from setting);"
                        + " did you mean \"websocket.max-message-bytes\"?");
        assertThatThrownBy(() -> new ConfigLoader().env(Map.of()).set("presence.rules.rooms.max-entrys", "3").load())
                .hasMessageEndingWith("did you mean \"presence.rules.rooms.max-entries\"?");
        assertThatThrownBy(() -> new ConfigLoader().set("websocket.max_message_bytes", "1").load())
                .hasMessageEndingWith("did you mean \"websocket.max-message-bytes\"?");
        assertThatThrownBy(() -> new ConfigLoader().set("completely.different", "1").load())
                .hasMessage("unknown configuration key \"completely.different\" (from setting);"
                        + " docs/configuration.md lists every key");
    }

    @Test
    void theDeclaredDefaultsAreTheRecordsDefaults() {
        Settings none = new Settings(FerryKeys.SCHEMA, Map.of());
        assertThat(none.size("websocket.max-message-bytes")).isEqualTo(WebSocketConfig.DEFAULT.maxMessageBytes());
        assertThat(none.duration("websocket.ping-interval")).isEqualTo(WebSocketConfig.DEFAULT.pingInterval());
        assertThat(none.size("limits.reassembly-bytes")).isEqualTo(LimitsConfig.DEFAULT_REASSEMBLY_BYTES);
        assertThat(new ConfigLoader().load()).isEqualTo(FerryConfig.DEFAULT);
    }

    @Test
    void aRangeIsDeclaredOnceAndCheckedByLoaderAndRecordAlike() {
        assertThatThrownBy(() -> new ConfigLoader().set("limits.max-pending-calls", "0").load())
                .hasMessage("limits.max-pending-calls: 0 (expected: > 0)");
        assertThatThrownBy(() -> new LimitsConfig(0, 0, 0, 0, 0, 0))
                .hasMessage("limits.max-pending-calls: 0 (expected: > 0)");
        assertThat(FerryKeys.SCHEMA.find("server.port")).get().extracting(ConfigKey::min, ConfigKey::max)
                .containsExactly(0L, 65535L);
    }

    @Test
    void aMissingFileOrAYamlSyntaxErrorIsOneLineThatNeverEchoesTheFile() throws Exception {
        assertThatThrownBy(() -> new ConfigLoader().yaml(dir.resolve("nope.yaml")))
                .hasMessage("config file " + dir.resolve("nope.yaml") + ": no such file");
        assertThatThrownBy(() -> new ConfigLoader().yaml(dir))
                .hasMessage("config file " + dir + ": cannot be read (a directory)");
        Path yaml = dir.resolve("secret.yaml");
        Files.writeString(yaml, "session:\n  secret: hunter2-hunter2-hunter2\nserver: {port: [1, 2}\n");
        assertThatThrownBy(() -> new ConfigLoader().yaml(yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessage("config file " + yaml + ": not valid YAML at line 3, column 21")
                .message().doesNotContain("hunter2").doesNotContain("\n");
        Files.writeString(yaml, "server:\n  port: 1\n   host: x\n");
        assertThatThrownBy(() -> new ConfigLoader().yaml(yaml)).hasMessageStartingWith("config file " + yaml
                + ": not valid YAML at line 3");
    }

    @Test
    void historyRulesPerPattern() {
        FerryConfig c = new ConfigLoader()
                .set("history.size", "50")
                .set("history.rules.chat.pattern", "chat.#")
                .set("history.rules.chat.size", "5")
                .set("history.rules.ticks.pattern", "ticks.*")
                .set("history.rules.ticks.ttl", "10s")
                .load();
        assertThat(c.history().limitsFor("chat.room1")).isEqualTo(new HistoryConfig.Limits(5, Duration.ofMinutes(5)));
        assertThat(c.history().limitsFor("ticks.eur")).isEqualTo(new HistoryConfig.Limits(50, Duration.ofSeconds(10)));
        assertThat(c.history().limitsFor("other")).isEqualTo(new HistoryConfig.Limits(50, Duration.ofMinutes(5)));
        assertThatThrownBy(() -> new ConfigLoader().set("history.rules.bad.pattern", "a..b").load())
                .hasMessageContaining("history.rules.bad.pattern:");
        assertThatThrownBy(() -> new ConfigLoader().set("history.rules.bad.size", "3").load())
                .hasMessageContaining("history.rules.bad.pattern: missing");
    }

    @Test
    void tunnelRoutesAreGuardedByDefaultOnceCredentialsExist() {
        FerryConfig open = new ConfigLoader().set("tunnel.routes.rabbit.upstream", "127.0.0.1:5672").load();
        assertThat(open.tunnel().routes().get(0).authRequired()).isFalse(); // nothing to check a client against
        FerryConfig guarded = new ConfigLoader().set("tunnel.routes.rabbit.upstream", "127.0.0.1:5672")
                .set("http.api-keys", "0123456789abcdef0123").load();
        assertThat(guarded.tunnel().routes().get(0).authRequired()).isTrue();
        FerryConfig optedOut = new ConfigLoader().set("tunnel.routes.rabbit.upstream", "127.0.0.1:5672")
                .set("tunnel.routes.rabbit.auth", "none")
                .set("auth.issuers.main.issuer", "https://issuer.example").set("auth.issuers.main.secret", "x".repeat(32))
                .load();
        assertThat(optedOut.tunnel().routes().get(0).authRequired()).isFalse();
    }
}
