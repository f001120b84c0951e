package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.client.FerryClient;
import dev.ferry.client.FerryException;
import dev.ferry.client.Presence;
import dev.ferry.client.StateReplica;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.HistoryConfig;
import dev.ferry.server.config.PresenceConfig;
import dev.ferry.server.config.StateConfig;
import dev.ferry.server.testing.Await;
import dev.ferry.server.testing.WsTestClient;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code ferry serve --demo}: the settings it adds (docs/cli.md), proven on a real server started from the parsed
 * command line and used by independent Java clients, and how they compose with the user's own configuration.
 */
class ServeDemoTest {
    private static final long TIMEOUT_S = 30;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    /** The serve command as picocli parses {@code args} (after {@code serve}), with an empty environment. */
    private static ServeCommand serve(String... args) {
        FerryCommand root = new FerryCommand(Map.of(), new ByteArrayInputStream(new byte[0]));
        CommandLine.ParseResult parsed = FerryCommand.commandLine(root).parseArgs(prepend("serve", args));
        return (ServeCommand) parsed.subcommand().commandSpec().userObject();
    }

    private static String[] prepend(String first, String... rest) {
        String[] out = new String[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }

    private FerryServer start(String... args) {
        List<String> all = new ArrayList<>(List.of("--host", "127.0.0.1", "--port", "0"));
        all.addAll(List.of(args));
        FerryServer server = serve(all.toArray(String[]::new)).server();
        open.add(server);
        server.start();
        return server;
    }

    private FerryClient client(FerryServer server) {
        FerryClient c = FerryClient.connect(server.webSocketUri());
        open.add(c);
        return c;
    }

    @Test
    void theBannerSaysHowToTurnTheApiOnAndWhatTheRootServes() {
        FerryServer plain = start();
        List<String> banner = ServeCommand.banner(plain, false);
        assertThat(banner).anySatisfy(l -> assertThat(l).contains("HTTP API").contains("is off")
                .contains("--set http.api-keys="));
        assertThat(banner).anySatisfy(l -> assertThat(l).startsWith(plain.httpUri() + "/ serves the chat demo page"));

        FerryServer withKey = start("--demo", "--set", "http.api-keys=0123456789abcdef");
        List<String> demoBanner = ServeCommand.banner(withKey, true);
        assertThat(demoBanner).noneSatisfy(l -> assertThat(l).contains("is off"));
        assertThat(demoBanner).anySatisfy(l -> assertThat(l).contains(withKey.httpUri() + "/todo.html"));
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(TIMEOUT_S, TimeUnit.SECONDS);
    }

    private static FerryException refusal(CompletableFuture<?> f) {
        Throwable t = assertThatThrownBy(() -> await(f)).cause().actual();
        assertThat(t).isInstanceOf(FerryException.class);
        return (FerryException) t;
    }

    private static List<Map<String, Object>> addItem(String id, String text) {
        return List.of(Map.of("op", "add", "path", "/items/-", "value", Map.of("id", id, "text", text, "done", false)));
    }

    private static void waitFor(BooleanSupplier condition, String what) {
        Await.until(what, condition);
    }

    @Test
    void demoListsAreStateChannelsWithHistoryAndViewersArePresence() throws Exception {
        FerryServer server = start("--demo");
        FerryClient ana = client(server);
        FerryClient bob = client(server);

        StateReplica list = await(ana.followState("demo.todo.groceries", change -> { }));
        assertThat(list.version()).isZero();
        assertThat(await(bob.patchState("demo.todo.groceries",
                List.of(Map.of("op", "add", "path", "/items", "value", List.of())), 0)).get("version").asLong()).isEqualTo(1);
        await(bob.patchState("demo.todo.groceries", addItem("a1", "milk"), 1));
        waitFor(() -> list.version() == 2, "ana's replica reaches version 2");
        assertThat(list.document().at("/items/0/text").asText()).isEqualTo("milk");

        FerryException stale = refusal(ana.patchState("demo.todo.groceries", addItem("a2", "bread"), 1));
        assertThat(stale.code()).isEqualTo("state_conflict");
        assertThat(stale.data().get("version").asLong()).isEqualTo(2);
        assertThat(refusal(ana.publishAck("demo.todo.groceries", "plain")).code()).isEqualTo("state_channel");
        try (WsTestClient raw = WsTestClient.connect(server.webSocketUri(), "ferry.v1")) {
            raw.send("{\"type\":\"history\",\"id\":1,\"topic\":\"demo.todo.groceries\"}");
            JsonNode history = raw.nextJson(f -> f.path("id").asInt() == 1);
            assertThat(history.at("/data/items")).as("%s", history).hasSize(2);
            assertThat(history.at("/data/items/1/data/0/value/text").asText()).isEqualTo("milk");
        }

        Map<String, String> viewers = new ConcurrentHashMap<>(); // conn -> name, from the pushes
        List<String> leftNames = new CopyOnWriteArrayList<>();
        Presence.Listener view = diff -> {
            diff.leaves().forEach(e -> {
                viewers.remove(e.conn());
                leftNames.add(e.info().get("name").asText());
            });
            diff.joins().forEach(e -> viewers.put(e.conn(), e.info().get("name").asText()));
        };
        await(ana.subscribe("demo.todo.groceries.here", (m) -> { }, Map.of("name", "Ana"), view));
        await(bob.subscribe("demo.todo.groceries.here", (m) -> { }, Map.of("name", "Bob"), null));
        Presence.Page here = await(ana.presence("demo.todo.groceries.here"));
        assertThat(here.entries()).extracting(e -> e.info().get("name").asText()).containsExactlyInAnyOrder("Ana", "Bob");
        waitFor(() -> viewers.containsValue("Bob"), "Bob's join pushed to Ana");
        bob.close();
        waitFor(() -> !viewers.containsValue("Bob"), "Bob's leave pushed to Ana");
        assertThat(leftNames).containsExactly("Bob");
        assertThat(viewers.values()).containsExactly("Ana");
    }

    @Test
    void withoutDemoTheListsAreNotStateChannels() throws Exception {
        FerryServer server = start();
        assertThat(server.config().state().channelFor("demo.todo.groceries")).isNull();
        FerryClient c = client(server);
        assertThat(refusal(c.followState("demo.todo.groceries", change -> { })).code()).isEqualTo("not_state_channel");
        assertThat(refusal(c.subscribe("demo.todo.groceries.here", (m) -> { }, Map.of("name", "Ana"), null)).code())
                .isEqualTo("bad_presence");
    }

    @Test
    void theDemoSettingsLieUnderTheUsersOwn() {
        FerryConfig cfg = serve("--demo",
                "--set", "state.channels.demo-todo.max-document-bytes=1KiB",
                "--set", "history.rules.demo-todo.size=7",
                "--set", "presence.rules.demo-todo.coalesce=1s",
                "--set", "presence.rules.a-first.pattern=demo.todo.secret.here",
                "--set", "presence.rules.a-first.enabled=false").load();
        StateConfig.Channel channel = cfg.state().channelFor("demo.todo.x");
        assertThat(channel.name()).isEqualTo("demo-todo");
        assertThat(channel.maxDocumentBytes()).isEqualTo(1024);
        HistoryConfig.Rule history = cfg.history().rules().stream().filter(r -> r.name().equals("demo-todo")).findFirst().orElseThrow();
        assertThat(history.pattern()).isEqualTo("demo.todo.*");
        assertThat(history.size()).isEqualTo(7);
        assertThat(history.ttl()).isEqualTo(Duration.ofHours(1));
        PresenceConfig.Rule presence = cfg.presence().rules().stream().filter(r -> r.name().equals("demo-todo")).findFirst().orElseThrow();
        assertThat(presence.pattern()).isEqualTo("demo.todo.*.here");
        assertThat(presence.coalesce()).isEqualTo(Duration.ofSeconds(1));
        assertThat(cfg.presence().rules()).extracting(PresenceConfig.Rule::name).containsExactly("a-first", "demo-todo");

        FerryConfig user = serve("--demo", "--set", "state.channels.demo-todo.pattern=lists.*").load();
        assertThat(user.state().channelFor("lists.a").name()).isEqualTo("demo-todo");
        assertThat(user.state().channelFor("demo.todo.a")).isNull();
    }

    @Test
    void permissionsAreNeverWidenedBeyondTheDemoTopics() throws Exception {
        assertThat(serve("--demo").load().auth().rules()).as("no rules: everything is allowed already").isEmpty();
        assertThat(serve("--demo", "--set", "auth.anonymous=false").load().auth().anonymous()).isFalse();

        FerryServer server = start("--demo", "--set", "auth.rules=all private.# authenticated");
        assertThat(server.config().auth().rules()).containsExactly("all private.# authenticated", DemoSettings.DEMO_RULE);
        FerryClient anonymous = client(server);
        StateReplica list = await(anonymous.followState("demo.todo.locked", change -> { }));
        await(anonymous.mergeState("demo.todo.locked", Map.of("title", "ok"), list.version()));
        await(anonymous.subscribe("demo.todo.locked.here", (m) -> { }, Map.of("name", "Ann"), diff -> { }));
        assertThat(await(anonymous.presence("demo.todo.locked.here")).count()).isEqualTo(1);

        FerryException denied = refusal(anonymous.publishAck("private.x", "no"));
        assertThat(denied.code()).isEqualTo("forbidden");
        assertThat(refusal(anonymous.subscribe("other.x", (m) -> { })).code()).isEqualTo("forbidden");
    }
}
