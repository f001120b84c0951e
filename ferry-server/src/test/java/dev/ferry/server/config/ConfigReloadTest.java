package dev.ferry.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import dev.ferry.server.FerryServer;
import dev.ferry.server.auth.TestKeys;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.RawHttp;
import dev.ferry.server.testing.WsTestClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reloading the configuration of a running server (docs/operations.md, "Reloading the configuration"): rules
 * tightened under connected, publishing clients; a file with a typo; what needs a restart; the file watcher.
 */
class ConfigReloadTest {
    static final String ISS = "https://id.example";
    static final String OPS = "ops-key-0123456789abcdef";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;
    Path file;
    FerryServer server;

    /** A configuration file: an issuer, an admin key, and {@code rules}. */
    static String yaml(String... rules) {
        StringBuilder b = new StringBuilder("auth:\n  anonymous: false\n  rules:\n");
        for (String r : rules) {
            b.append("    - \"").append(r).append("\"\n");
        }
        b.append("  issuers:\n    main:\n      issuer: ").append(ISS).append("\n      secret: ").append(TestKeys.SECRET)
                .append("\nhttp:\n  api-keys:\n    ops:\n      key: ").append(OPS)
                .append("\n      allow: [\"admin #\"]\n");
        return b.toString();
    }

    /** Writes {@code text} to the file as an editor does: a new file renamed over the old one. */
    void write(String text) {
        try {
            Path tmp = Files.createTempFile(dir, "edit", ".tmp");
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A started server whose configuration source reads {@link #file} as {@code ferry serve --config} does. */
    FerryServer start(String text) {
        file = dir.resolve("ferry.yaml");
        write(text);
        server = FerryServer.builder().config(new ConfigLoader().yaml(file).load())
                .configSource(() -> new FerryServer.ConfigSource.Loaded(new ConfigLoader().yaml(file).load(), List.of()))
                .host("127.0.0.1").port(0).build();
        server.start();
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    static String token(String sub, String role) {
        var claims = TestKeys.claims(ISS, sub);
        if (role != null) {
            claims.claim("role", role);
        }
        return TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null, claims.build());
    }

    WsTestClient user(String sub, String role) {
        return WsTestClient.connect(server.webSocketUri(), Map.of("Authorization", "Bearer " + token(sub, role)));
    }

    static void subscribe(WsTestClient c, int id, String topic) {
        c.send("{\"type\":\"sub\",\"id\":" + id + ",\"topic\":\"" + topic + "\"}");
        JsonNode r = c.nextJson();
        assertThat(r.path("type").asText()).as(r.toString()).isEqualTo("result");
    }

    static void publish(WsTestClient c, int id, String topic, String data) {
        c.send("{\"type\":\"pub\",\"id\":" + id + ",\"ack\":true,\"topic\":\"" + topic + "\",\"data\":\"" + data + "\"}");
        JsonNode r = c.nextJson();
        assertThat(r.path("type").asText()).as(r.toString()).isEqualTo("result");
    }

    String metrics() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.httpUri() + "/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    HttpResponse<String> postReload() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.httpUri() + "/v1/admin/reload"))
                .header("Authorization", "Bearer " + OPS).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void tightenedRulesRevokeExactlyWhatTheyNoLongerAllowWhileClientsPublish() throws Exception {
        start(yaml("all chat.# authenticated", "all news.# authenticated"));
        int n = 200;
        try (WsTestClient alice = user("alice", null);
             WsTestClient bob = user("bob", null);
             WsTestClient carol = user("carol", "editor");
             WsTestClient publisher = user("pub", "editor")) {
            subscribe(alice, 1, "chat.room1");
            subscribe(alice, 2, "news.today");
            subscribe(bob, 1, "chat.room1");
            subscribe(carol, 1, "news.today");
            publish(publisher, 1, "news.today", "before");
            CompletableFuture<ReloadResult> reload = null;
            for (int i = 1; i <= n; i++) {
                if (i == n / 2) {
                    write(yaml("all chat.# authenticated", "all news.# claim:role=editor"));
                    reload = CompletableFuture.supplyAsync(server::reload);
                }
                publish(publisher, 1000 + i, "chat.room1", "m" + i);
            }
            ReloadResult result = reload.get();
            assertThat(result.result()).as(result.describe()).isEqualTo(ReloadResult.Result.APPLIED);
            assertThat(result.changed()).containsExactly("auth.rules");
            assertThat(result.version()).isEqualTo(2);
            publish(publisher, 2, "news.today", "after");
            publish(publisher, 3, "chat.room1", "marker");

            assertThat(chat(bob, n, null)).as("bob, unaffected, lost nothing").isEmpty();
            List<JsonNode> aliceOther = chat(alice, n, null);
            assertThat(aliceOther).hasSize(2);
            assertThat(aliceOther.get(0).path("data").asText()).isEqualTo("before");
            JsonNode revoked = aliceOther.get(1);
            assertThat(revoked.path("type").asText()).isEqualTo("error");
            assertThat(revoked.has("id")).as("a push, not an answer: %s", revoked).isFalse();
            assertThat(revoked.path("code").asText()).isEqualTo("forbidden");
            assertThat(revoked.path("data").path("action").asText()).isEqualTo("subscribe");
            assertThat(revoked.path("data").path("topic").asText()).isEqualTo("news.today");
            JsonNode marker = alice.nextJson();
            assertThat(marker.path("data").asText()).as("news.today \"after\" no longer reaches alice").isEqualTo("marker");
            assertThat(bob.nextJson().path("data").asText()).isEqualTo("marker");
            assertThat(carol.nextJson().path("data").asText()).isEqualTo("before");
            assertThat(carol.nextJson().path("data").asText()).as("the editor keeps news.today").isEqualTo("after");

            publish(alice, 9, "chat.room1", "still here"); // the connection itself is untouched
            alice.send("{\"type\":\"sub\",\"id\":10,\"topic\":\"news.today\"}");
            assertThat(alice.nextJson(j -> j.path("id").asInt() == 10).path("code").asText()).isEqualTo("forbidden");
        }
        String m = metrics();
        assertThat(m).contains("ferry_config_version 2.0");
        assertThat(m).contains("ferry_config_reload_total{result=\"applied\"} 1.0");
        assertThat(m).containsPattern("ferry_config_last_reload_timestamp_seconds [1-9]");
    }

    /**
     * Reads publications of chat.room1 from {@code c} until {@code m<n>}, checking they are m1..m<n> in order; returns
     * the other frames seen meanwhile.
     */
    static List<JsonNode> chat(WsTestClient c, int n, Void unused) {
        List<JsonNode> other = new ArrayList<>();
        int next = 1;
        while (next <= n) {
            JsonNode j = c.nextJson();
            if (j.path("type").asText().equals("msg") && j.path("topic").asText().equals("chat.room1")) {
                assertThat(j.path("data").asText()).isEqualTo("m" + next);
                next++;
            } else {
                other.add(j);
            }
        }
        return other;
    }

    @Test
    void aTypoIsRejectedWithTheStartupMessageAndTheRunningConfigurationStays() throws Exception {
        start(yaml("all chat.# authenticated"));
        String typo = yaml("all chat.# authenticated", "all news.# authenticated").replace("  rules:", "  rulez:");
        write(typo);
        String atStart = null;
        try {
            new ConfigLoader().yaml(file).load();
        } catch (ConfigException e) {
            atStart = e.getMessage();
        }
        assertThat(atStart).contains("auth.rulez");

        ReloadResult r = server.reload();
        assertThat(r.result()).isEqualTo(ReloadResult.Result.REJECTED);
        assertThat(r.error()).isEqualTo(atStart);
        assertThat(r.version()).isEqualTo(1);

        HttpResponse<String> viaApi = postReload();
        assertThat(viaApi.statusCode()).as(viaApi.body()).isEqualTo(422);
        JsonNode body = JSON.readTree(viaApi.body());
        assertThat(body.path("code").asText()).isEqualTo("invalid_config");
        assertThat(body.path("message").asText()).isEqualTo(atStart);
        assertThat(body.path("data").path("version").asInt()).isEqualTo(1);

        try (WsTestClient alice = user("alice", null)) {
            subscribe(alice, 1, "chat.room1");
            alice.send("{\"type\":\"sub\",\"id\":2,\"topic\":\"news.today\"}");
            assertThat(alice.nextJson().path("code").asText()).as("the old rules stay").isEqualTo("forbidden");
        }
        assertThat(server.configVersion()).isEqualTo(1);
        assertThat(metrics()).contains("ferry_config_reload_total{result=\"rejected\"} 2.0");
    }

    @Test
    void settingsThatCannotChangeLiveAreReportedAsNeedingARestart() throws Exception {
        start(yaml("all chat.# authenticated"));
        write(yaml("all chat.# authenticated", "all news.# authenticated")
                + "server:\n  io-threads: 3\nwebsocket:\n  ping-interval: 7s\n");
        HttpResponse<String> viaApi = postReload();
        assertThat(viaApi.statusCode()).as(viaApi.body()).isEqualTo(200);
        JsonNode r = JSON.readTree(viaApi.body());
        assertThat(r.path("result").asText()).isEqualTo("restart_needed");
        assertThat(r.path("version").asInt()).as("auth.rules was taken").isEqualTo(2);
        assertThat(r.path("restart_needed").toString()).contains("server.io-threads", "websocket.ping-interval");
        assertThat(r.path("changed").toString()).contains("auth.rules");
        assertThat(server.config().server().ioThreads()).as("not applied").isEqualTo(ServerConfig.DEFAULT.ioThreads());
        assertThat(server.config().auth().rules()).hasSize(2);
        try (WsTestClient alice = user("alice", null)) {
            subscribe(alice, 1, "news.today");
        }
        assertThat(metrics()).contains("ferry_config_reload_total{result=\"restart_needed\"} 1.0");
        assertThat(server.port()).as("the builder's port stays").isPositive();
    }

    @Test
    void theFileWatcherReloadsAnEditedFile() throws Exception {
        start(yaml("all chat.# authenticated"));
        try (ConfigFileWatcher watcher = new ConfigFileWatcher(file, Duration.ofMillis(100), server::reload).start()) {
            write(yaml("all chat.# authenticated", "all news.# authenticated"));
            Await.until("the edit is applied", () -> server.configVersion() == 2);
            try (WsTestClient alice = user("alice", null)) {
                subscribe(alice, 1, "news.today");
            }
            Files.writeString(file, yaml("all chat.# authenticated") + "typo: 1\n"); // in place, as some editors do
            Await.until("the bad edit is refused", () -> {
                try {
                    return java.util.regex.Pattern.compile("ferry_config_reload_total\\{result=\"rejected\"} [1-9]")
                            .matcher(metrics()).find();
                } catch (Exception e) {
                    return false;
                }
            });
            assertThat(server.configVersion()).isEqualTo(2);
        }
    }

    @Test
    void aLogLineAboutAConnectionCarriesItsIdAndIdentity() throws Exception {
        start(yaml("all chat.# authenticated", "all news.# authenticated"));
        var context = (ch.qos.logback.classic.LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
        var json = new ch.qos.logback.classic.encoder.JsonEncoder();
        json.setContext(context);
        json.setWithFormattedMessage(true); // as ferry serve --log-format json does
        json.start();
        List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
        var appender = new ch.qos.logback.core.AppenderBase<ch.qos.logback.classic.spi.ILoggingEvent>() {
            @Override
            protected void append(ch.qos.logback.classic.spi.ILoggingEvent e) {
                lines.add(new String(json.encode(e), StandardCharsets.UTF_8)); // on the logging thread, MDC and all
            }
        };
        appender.setContext(context);
        appender.start();
        var logger = context.getLogger(dev.ferry.server.connection.Connection.class);
        logger.addAppender(appender);
        try (WsTestClient alice = user("alice", null)) {
            subscribe(alice, 1, "news.today");
            write(yaml("all chat.# authenticated"));
            assertThat(server.reload().result()).isEqualTo(ReloadResult.Result.APPLIED);
            assertThat(alice.nextJson().path("code").asText()).isEqualTo("forbidden");
            Await.until("the line about the dropped subscription", () -> !lines.isEmpty());
            JsonNode line = JSON.readTree(lines.get(0));
            assertThat(line.path("formattedMessage").asText()).contains("news.today");
            JsonNode mdc = line.path("mdc");
            assertThat(mdc.path("connection").asText()).matches("[0-9a-f]{8}-\\d+");
            assertThat(mdc.path("identity").asText()).isEqualTo("sub \"alice\" of issuer \"" + ISS + "\"");
            String id = mdc.path("connection").asText();
            HttpResponse<String> listed = http.send(HttpRequest.newBuilder(URI.create(server.httpUri()
                    + "/v1/admin/connections/" + id)).header("Authorization", "Bearer " + OPS).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(listed.statusCode()).as("the id is the server API's: %s", listed.body()).isEqualTo(200);
        } finally {
            logger.detachAppender(appender);
        }
    }

    @Test
    void aFaultLineAboutAConnectionCarriesItsIdAndIdentity() throws Exception {
        start(yaml("all chat.# authenticated"));
        var context = (ch.qos.logback.classic.LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
        List<java.util.Map<String, String>> mdcs = java.util.Collections.synchronizedList(new ArrayList<>());
        var appender = new ch.qos.logback.core.AppenderBase<ch.qos.logback.classic.spi.ILoggingEvent>() {
            @Override
            protected void append(ch.qos.logback.classic.spi.ILoggingEvent e) {
                mdcs.add(Map.copyOf(e.getMDCPropertyMap()));
            }
        };
        appender.setContext(context);
        appender.start();
        var logger = context.getLogger(dev.ferry.server.transport.FaultLog.class);
        var level = logger.getLevel();
        logger.setLevel(ch.qos.logback.classic.Level.DEBUG);
        logger.addAppender(appender);
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(60_000);
            s.getOutputStream().write(("GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Protocol: ferry.v1\r\nAuthorization: Bearer " + token("alice", null) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] head = new byte[12];
            assertThat(new String(head, 0, s.getInputStream().readNBytes(head, 0, 12), StandardCharsets.US_ASCII))
                    .isEqualTo("HTTP/1.1 101");
            s.setSoLinger(true, 0); // the close resets the connection: a client fault on the server's side
        } finally {
            Await.until("the fault is logged", () -> !mdcs.isEmpty());
            logger.detachAppender(appender);
            logger.setLevel(level);
        }
        assertThat(mdcs.get(0).get("connection")).matches("[0-9a-f]{8}-\\d+");
        assertThat(mdcs.get(0).get("identity")).isEqualTo("sub \"alice\" of issuer \"" + ISS + "\"");
    }

    /** A CORS preflight from {@code origin} on a connection of its own: the allowed origin it is answered, or null. */
    String preflight(String origin) throws Exception {
        HttpClient fresh = HttpClient.newHttpClient();
        HttpResponse<String> r = fresh.send(HttpRequest.newBuilder(URI.create(server.httpUri() + "/v1/publish"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", origin)
                .header("Access-Control-Request-Method", "POST").build(), HttpResponse.BodyHandlers.ofString());
        return r.headers().firstValue("Access-Control-Allow-Origin").orElse(null);
    }

    @Test
    void corsOriginsApplyToTheNextConnection() throws Exception {
        start(yaml("all chat.# authenticated"));
        assertThat(preflight("https://app.example")).isNull();
        write(yaml("all chat.# authenticated") + "web:\n  cors-origins: [\"https://app.example\"]\n");
        ReloadResult r = server.reload();
        assertThat(r.result()).as(r.describe()).isEqualTo(ReloadResult.Result.APPLIED);
        assertThat(preflight("https://app.example")).isEqualTo("https://app.example");
        write(yaml("all chat.# authenticated"));
        assertThat(server.reload().result()).isEqualTo(ReloadResult.Result.APPLIED);
        assertThat(preflight("https://app.example")).isNull();
    }

    static JsonNode wamp(WsTestClient c) {
        try {
            return JSON.readTree(c.nextText());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void everyTransportTellsItsClientOfARevokedSubscription() throws Exception {
        start(yaml("all chat.# authenticated", "all news.# authenticated"));
        Map<String, String> alice = Map.of("Authorization", "Bearer " + token("alice", null));
        String ws = "ws://127.0.0.1:" + server.port();
        try (WsTestClient mux = WsTestClient.plain(URI.create(ws + "/v1/multiplex"), alice);
             WsTestClient topic = WsTestClient.plain(URI.create(ws + "/v1/topics/news/today"), alice);
             dev.ferry.server.testing.SseTestClient sse = dev.ferry.server.testing.SseTestClient.open(
                     URI.create(server.httpUri() + "/v1/sse?topic=news.today&topic=chat.room1"), alice);
             WsTestClient revocable = WsTestClient.plain(URI.create(ws + "/v1/wamp"), alice, "wamp.2.json");
             WsTestClient basic = WsTestClient.plain(URI.create(ws + "/v1/wamp"), alice, "wamp.2.json")) {
            mux.send("sub,news.today");
            mux.send("sub,chat.room1");
            assertThat(mux.nextText()).isEqualTo("sub,news.today");
            assertThat(mux.nextText()).isEqualTo("sub,chat.room1");
            assertThat(sse.next().type()).isEqualTo("ready");
            revocable.send("[1,\"realm1\",{\"roles\":{\"subscriber\":{\"features\":{\"subscription_revocation\":true}},"
                    + "\"callee\":{\"features\":{\"registration_revocation\":true}}}}]");
            assertThat(wamp(revocable).get(0).asInt()).isEqualTo(2);
            revocable.send("[32,1,{},\"news.today\"]");
            long subscription = wamp(revocable).get(2).asLong();
            revocable.send("[64,2,{},\"news.lookup\"]");
            long registration = wamp(revocable).get(2).asLong();
            basic.send("[1,\"realm1\",{\"roles\":{\"subscriber\":{}}}]");
            assertThat(wamp(basic).get(0).asInt()).isEqualTo(2);
            basic.send("[32,1,{},\"news.today\"]");
            assertThat(wamp(basic).get(0).asInt()).isEqualTo(33);
            basic.send("[32,2,{},\"chat.room1\"]");
            long chat = wamp(basic).get(2).asLong();

            write(yaml("all chat.# authenticated"));
            assertThat(server.reload().result()).isEqualTo(ReloadResult.Result.APPLIED);

            String err = mux.nextText();
            assertThat(err).startsWith("err,news.today,");
            JsonNode body = JSON.readTree(err.substring("err,news.today,".length()));
            assertThat(body.path("code").asText()).isEqualTo("forbidden");
            assertThat(body.path("data").path("topic").asText()).isEqualTo("news.today");
            assertThat(mux.nextText()).isEqualTo("uns,news.today");

            WsTestClient.Received closed = topic.awaitClose();
            assertThat(closed.closeCode()).isEqualTo(4006);
            assertThat(closed.closeReason()).isEqualTo("forbidden: news.today");

            var forbidden = sse.next();
            assertThat(forbidden.type()).isEqualTo("forbidden");
            assertThat(JSON.readTree(forbidden.data()).path("data").path("topic").asText()).isEqualTo("news.today");

            JsonNode unsubscribed = wamp(revocable);
            assertThat(unsubscribed.toString()).isEqualTo("[35,0,{\"subscription\":" + subscription
                    + ",\"reason\":\"wamp.error.not_authorized\"}]");
            JsonNode unregistered = wamp(revocable);
            assertThat(unregistered.toString()).isEqualTo("[67,0,{\"registration\":" + registration
                    + ",\"reason\":\"wamp.error.not_authorized\"}]");

            HttpResponse<String> broadcast = http.send(HttpRequest.newBuilder(URI.create(server.httpUri()
                    + "/v1/admin/broadcast")).header("Authorization", "Bearer " + OPS)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"topics\":[\"news.today\",\"chat.room1\"],\"data\":\"after\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(broadcast.statusCode()).as(broadcast.body()).isEqualTo(200);
            assertThat(mux.nextText()).as("the other channel goes on").isEqualTo("msg,chat.room1,after");
            var event = sse.next();
            assertThat(JSON.readTree(event.data()).path("topic").asText()).as("the other pattern goes on")
                    .isEqualTo("chat.room1");
            JsonNode next = wamp(basic);
            assertThat(next.get(0).asInt()).as("a basic WAMP client's subscription just stops: %s", next).isEqualTo(36);
            assertThat(next.get(1).asLong()).isEqualTo(chat);
        }
    }

    @Test
    void eventClassesAreCompiledAgainAndABadSchemaRejectsTheReload() throws Exception {
        start(yaml("all chat.# authenticated"));
        Path schema = dir.resolve("chat.json");
        Files.writeString(schema, "{\"type\":\"object\",\"required\":[\"text\"]}");
        String withClass = yaml("all chat.# authenticated") + "events:\n  chat:\n    pattern: chat.*\n    schema: "
                + schema + "\n";
        try (WsTestClient alice = user("alice", null)) {
            publish(alice, 1, "chat.room1", "any text"); // no class yet
            write(withClass);
            assertThat(server.reload().changed()).containsExactly("events.<name>");
            alice.send("{\"type\":\"pub\",\"id\":2,\"ack\":true,\"topic\":\"chat.room1\",\"data\":{\"n\":1}}");
            assertThat(alice.nextJson().path("code").asText()).as("the new class applies to an open connection")
                    .isEqualTo("invalid_payload");

            Files.writeString(schema, "{\"type\":"); // the configuration file stays as it is
            String atStart = null;
            try {
                dev.ferry.server.events.EventClasses.compile(new ConfigLoader().yaml(file).load().events()); // as a start does
            } catch (RuntimeException e) {
                atStart = e.getMessage();
            }
            assertThat(atStart).contains("chat.json");
            ReloadResult r = server.reload();
            assertThat(r.result()).as("schemas are read again at each reload").isEqualTo(ReloadResult.Result.REJECTED);
            assertThat(r.error()).isEqualTo(atStart);
            alice.send("{\"type\":\"pub\",\"id\":3,\"ack\":true,\"topic\":\"chat.room1\",\"data\":{\"text\":\"ok\"}}");
            assertThat(alice.nextJson().path("type").asText()).as("the compiled class stays").isEqualTo("result");
        }
    }

    /** The offsets of what {@code topic}'s history retains, read with the ferry.v1 {@code history} command. */
    static List<Integer> retained(WsTestClient c, String topic) {
        c.send("{\"type\":\"history\",\"id\":77,\"topic\":\"" + topic + "\",\"limit\":100}");
        JsonNode r = c.nextJson(j -> j.path("id").asInt() == 77);
        List<Integer> offsets = new ArrayList<>();
        r.path("data").path("items").forEach(i -> offsets.add(i.path("offset").asInt()));
        return offsets;
    }

    @Test
    void historyRulesAndLossyTopicsChangeLiveOnTheMemoryEngine() throws Exception {
        start(yaml("all news.# authenticated"));
        try (WsTestClient alice = user("alice", null)) {
            for (int i = 1; i <= 5; i++) {
                publish(alice, i, "news.a", "a" + i);
                publish(alice, 10 + i, "news.b", "b" + i);
            }
            assertThat(retained(alice, "news.a")).containsExactly(1, 2, 3, 4, 5);
            write(yaml("all news.# authenticated") + "history:\n  lossy-topics: [\"news.b\"]\n"
                    + "  rules:\n    short:\n      pattern: news.a\n      size: 2\n");
            ReloadResult r = server.reload();
            assertThat(r.result()).as(r.describe()).isEqualTo(ReloadResult.Result.APPLIED);
            assertThat(r.changed()).containsExactly("history.lossy-topics", "history.rules.<name>");
            assertThat(retained(alice, "news.a")).as("the newest within the new size").containsExactly(4, 5);
            assertThat(retained(alice, "news.b")).as("lossy: no history").isEmpty();
            publish(alice, 21, "news.a", "a6");
            assertThat(retained(alice, "news.a")).containsExactly(5, 6);
            publish(alice, 22, "news.c", "c1"); // a topic made after the reload
            assertThat(retained(alice, "news.c")).containsExactly(1);
        }
    }

    /** Publishes {@code n} publications in one batch; the codes of the answers ("result" for a publication taken). */
    static List<String> publishBatch(WsTestClient c, int firstId, int n) {
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < n; i++) {
            batch.append("{\"type\":\"pub\",\"id\":").append(firstId + i)
                    .append(",\"ack\":true,\"topic\":\"chat.x\",\"data\":1}\n");
        }
        c.send(batch.toString());
        List<String> codes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            JsonNode r = c.nextJson();
            codes.add(r.path("type").asText().equals("result") ? "result" : r.path("code").asText());
        }
        return codes;
    }

    @Test
    void limitsApplyToConnectionsOpenedBeforeTheReload() throws Exception {
        start(yaml("all chat.# authenticated"));
        try (WsTestClient alice = user("alice", null)) {
            assertThat(publishBatch(alice, 1, 20)).as("unlimited").containsOnly("result");
            write(yaml("all chat.# authenticated")
                    + "limits:\n  publish-rate: 1\n  publish-burst: 2\n  connections-per-ip: 1\n");
            ReloadResult r = server.reload();
            assertThat(r.result()).as(r.describe()).isEqualTo(ReloadResult.Result.APPLIED);
            assertThat(r.changed()).containsExactly("limits.publish-rate", "limits.publish-burst",
                    "limits.connections-per-ip");
            // 20 publications at 1 per second with a burst of 2: at most a few are taken, however slow the machine
            List<String> codes = publishBatch(alice, 100, 20);
            assertThat(codes).as("the open connection is limited").contains("rate_limited")
                    .containsOnly("result", "rate_limited");
            assertThat(codes.stream().filter("result"::equals).count()).isLessThan(10);
            String raw = RawHttp.upgrade(server.port(), "/v1/ws", "Authorization: Bearer " + token("bob", null) + "\r\n");
            assertThat(raw).as("alice's connection is the address's one").startsWith("HTTP/1.1 429")
                    .contains("too_many_connections");

            write(yaml("all chat.# authenticated"));
            assertThat(server.reload().result()).isEqualTo(ReloadResult.Result.APPLIED);
            assertThat(publishBatch(alice, 200, 20)).as("unlimited again").containsOnly("result");
            try (WsTestClient bob = user("bob", null)) {
                subscribe(bob, 1, "chat.y");
            }
        }
    }

    @Test
    void anEmbeddedServerReloadsAConfigurationItIsGiven() {
        start(yaml("all chat.# authenticated"));
        FerryConfig next = server.config().withAuth(new AuthConfig(false, "", true, Duration.ofSeconds(30), "ferry",
                List.of("all # authenticated"), server.config().auth().issuers()));
        ReloadResult r = server.reload(next);
        assertThat(r.result()).isEqualTo(ReloadResult.Result.APPLIED);
        assertThat(server.reload(next).changed()).as("reloading the same is no change").isEmpty();
        assertThat(server.configVersion()).isEqualTo(2);
        FerryServer notStarted = FerryServer.builder().build();
        assertThatThrownBy(() -> notStarted.reload(next)).isInstanceOf(IllegalStateException.class);
    }
}
