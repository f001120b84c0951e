package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.testing.FerryServerExtension;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Runs the ferry command in-process, as {@code main} would, with captured stdout and stderr. */
class FerryCommandTest {
    static final long TIMEOUT_S = 30;

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension();

    record Run(int exit, String out, String err) {
    }

    /** A command running in the background, whose stderr can be waited on. */
    static final class Background {
        final StringWriter out = new StringWriter();
        final StringBuffer err = new StringBuffer();
        final CountDownLatch ready = new CountDownLatch(1);
        final CompletableFuture<Integer> exit;

        Background(Map<String, String> env, String readyMarker, String... args) {
            Writer errWriter = new Writer() {
                @Override
                public void write(char[] cbuf, int off, int len) {
                    err.append(cbuf, off, len);
                    if (err.indexOf(readyMarker) >= 0) {
                        ready.countDown();
                    }
                }

                @Override
                public void flush() {
                }

                @Override
                public void close() {
                }
            };
            exit = CompletableFuture.supplyAsync(() -> {
                var cl = FerryCommand.commandLine(new FerryCommand(env, new ByteArrayInputStream(new byte[0])));
                cl.setOut(new PrintWriter(out, true));
                cl.setErr(new PrintWriter(errWriter, true));
                return cl.execute(args);
            });
        }

        void awaitReady() throws InterruptedException {
            assertThat(ready.await(TIMEOUT_S, TimeUnit.SECONDS)).as("ready; stderr so far: %s", err).isTrue();
        }

        Run await() throws Exception {
            int code = exit.get(TIMEOUT_S, TimeUnit.SECONDS);
            return new Run(code, out.toString(), err.toString());
        }
    }

    static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("FERRY_URL", server.wsUri().toString());
        return env;
    }

    static Run run(String... args) {
        return run(env(), "", args);
    }

    static Run run(Map<String, String> env, String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = FerryCommand.commandLine(new FerryCommand(env,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8))));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void subPrintsWhatPubPublishes() throws Exception {
        Background sub = new Background(env(), "subscribed", "sub", "cli.*", "--count", "3");
        sub.awaitReady();

        Run json = run("pub", "cli.a", "{\"x\":1}");
        assertThat(json.exit()).as(json.err()).isZero();
        assertThat(json.out()).isEqualTo("1" + System.lineSeparator());
        assertThat(run("pub", "cli.a", "hello world").out().strip()).isEqualTo("2");
        Run binary = run("pub", "cli.bin", "--binary", "abc");
        assertThat(binary.exit()).isZero();

        Run done = sub.await();
        assertThat(done.exit()).as(done.err()).isZero();
        assertThat(done.out().lines()).containsExactly(
                "{\"topic\":\"cli.a\",\"data\":{\"x\":1},\"offset\":1}",
                "{\"topic\":\"cli.a\",\"data\":\"hello world\",\"offset\":2}",
                "{\"topic\":\"cli.bin\",\"data_base64\":\"YWJj\",\"offset\":1}");
    }

    @Test
    void pubReadsStandardInputAndTakesTheUrlOption() {
        Map<String, String> noEnv = new HashMap<>();
        Run r = run(noEnv, "[1,2,3]", "pub", "--url", server.wsUri().toString(), "stdin.topic", "-");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo("1");
    }

    @Test
    void callAndRegisterRoundTrip() throws Exception {
        Background echo = new Background(env(), "registered", "register", "cli.echo", "--count", "1");
        echo.awaitReady();
        Run call = run("call", "cli.echo", "{\"a\":[1,2]}", "--timeout", "5000");
        assertThat(call.exit()).as(call.err()).isZero();
        assertThat(call.out().strip()).isEqualTo("{\"a\":[1,2]}");
        Run callee = echo.await();
        assertThat(callee.exit()).as(callee.err()).isZero();
        assertThat(callee.out().strip()).isEqualTo("{\"proc\":\"cli.echo\",\"args\":{\"a\":[1,2]}}");

        Background fixed = new Background(env(), "registered", "register", "cli.fixed", "--reply", "{\"ok\":true}", "-n", "1");
        fixed.awaitReady();
        assertThat(run("call", "cli.fixed").out().strip()).isEqualTo("{\"ok\":true}");
        assertThat(fixed.await().exit()).isZero();
    }

    @Test
    void callErrorsExitOneWithCodeAndMessage() {
        Run r = run("call", "cli.nobody", "1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("ferry: no_such_procedure: ").contains("cli.nobody").doesNotContain("Exception");
    }

    @Test
    void unreachableServerExitsOne() throws Exception {
        int port;
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Run r = run(new HashMap<>(), "", "call", "--url", "ws://127.0.0.1:" + port + "/v1/ws", "x");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).startsWith("ferry: connect_failed: cannot connect to ws://127.0.0.1:" + port);
    }

    @Test
    void serveWithAnUnknownKeyExitsTwoWithAClearMessage() {
        Run r = run("serve", "--set", "websocket.max-mesage-bytes=1MiB");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("ferry: configuration error: unknown configuration key \"websocket.max-mesage-bytes\"")
                .doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void serveRejectsBadEnvironmentAndMissingFiles() {
        Map<String, String> env = new HashMap<>();
        env.put("FERRY_SERVER_PORT", "eighty");
        Run badEnv = run(env, "", "serve");
        assertThat(badEnv.exit()).isEqualTo(2);
        assertThat(badEnv.err()).contains("server.port").contains("eighty");

        Run missing = run("serve", "--config", "/nonexistent/ferry.yaml");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).isEqualTo("ferry: configuration error: config file /nonexistent/ferry.yaml: no such file" + System.lineSeparator());

        Run badSet = run("serve", "--set", "novalue");
        assertThat(badSet.exit()).isEqualTo(2);
        assertThat(badSet.err()).contains("expected KEY=VALUE");
    }

    @Test
    void serveOnABusyPortExitsOne() {
        Run r = run("serve", "--host", "127.0.0.1", "--port", Integer.toString(server.port()));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("cannot bind");
    }

    @Test
    void usageErrorsExitTwoAndVersionPrints() {
        assertThat(run("pub", "only-topic").exit()).isEqualTo(2);
        assertThat(run().exit()).isEqualTo(2);
        assertThat(run("register", "p", "--reply", "{not json").exit()).isEqualTo(2);
        Run v = run("--version");
        assertThat(v.exit()).isZero();
        assertThat(v.out()).startsWith("ferry ").contains("ferry.v1");
        Run help = run("sub", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("--count").contains("FERRY_URL");
    }

    @Test
    void noCommandListsEveryCommandAndHelpSummariesAreWholeSentences() {
        Run none = run();
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("missing command (serve, pub, sub, call, register, tunnel, config)");
        String help = run("--help").out();
        for (String command : List.of("serve", "pub", "sub", "call", "register", "tunnel", "config")) {
            assertThat(help).containsPattern("(?m)^  " + command + " ");
        }
        String commands = help.substring(help.indexOf("Commands:") + "Commands:".length(), help.indexOf("Exit codes:")).strip();
        for (String summary : commands.split("\n  (?=[a-z])")) {
            assertThat(summary.strip()).as(summary).endsWith(".");
        }
    }

    @Test
    void helpBreaksLinesAtSpacesOnlyNeverInsideAKeyOrAUrl() {
        var root = FerryCommand.commandLine(new FerryCommand(env(), new ByteArrayInputStream(new byte[0])));
        for (var command : root.getSubcommands().values()) {
            String help = run(command.getCommandName(), "--help").out();
            var spec = command.getCommandSpec();
            List<String> texts = new java.util.ArrayList<>(List.of(spec.usageMessage().description()));
            spec.options().forEach(o -> texts.addAll(List.of(o.description())));
            spec.positionalParameters().forEach(p -> texts.addAll(List.of(p.description())));
            for (String text : texts) {
                for (String word : text.split(" +")) {
                    if (word.matches(".*[a-z0-9][./:-][a-z0-9/].*")) {
                        assertThat(help).as("%s --help cuts %s", command.getCommandName(), word).contains(word);
                    }
                }
            }
        }
        String serve = run("serve", "--help").out();
        assertThat(serve).contains("websocket.max-message-bytes=2MiB").contains("demo.todo.*.here");
        assertThat(run("pub", "--help").out()).contains("ws://127.0.0.1:8080/v1/ws");
    }

    @Test
    void aUrlWithoutSchemeIsAUsageErrorThatSaysWhatToWrite() {
        Run r = run("pub", "-u", "127.0.0.1:8080", "t", "1");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("--url: \"127.0.0.1:8080\" is not a WebSocket URL (expected: ws://HOST:PORT/v1/ws")
                .doesNotContain("Illegal character");
        Map<String, String> env = new HashMap<>();
        env.put("FERRY_URL", "http://127.0.0.1:8080/v1/ws");
        Run fromEnv = run(env, "", "call", "p");
        assertThat(fromEnv.exit()).isEqualTo(2);
        assertThat(fromEnv.err()).startsWith("$FERRY_URL: \"http://127.0.0.1:8080/v1/ws\" is not a WebSocket URL");
    }

    @Test
    void callAndPubRejectBrokenJsonAsRegisterDoes() {
        Run call = run("call", "p", "[1");
        assertThat(call.exit()).isEqualTo(2);
        assertThat(call.err()).startsWith("ARGS: not JSON: ").contains("line 1, column 3").doesNotContain("Source");
        Run pub = run("pub", "t", "{\"a\":");
        assertThat(pub.exit()).isEqualTo(2);
        assertThat(pub.err()).startsWith("DATA: not JSON: ");
        assertThat(run("register", "p", "--reply", "[1").err()).startsWith("--reply: not JSON: ");
    }

    @Test
    void misspelledOptionsAndCommandsGetASuggestion() {
        Run option = run("serve", "--conifg", "ferry.yaml");
        assertThat(option.exit()).isEqualTo(2);
        assertThat(option.err()).contains("Unknown option").contains("Possible solutions: --config");
        Run timeout = run("call", "--timout", "5", "p");
        assertThat(timeout.err()).contains("Possible solutions: --timeout");
        Run command = run("serv");
        assertThat(command.exit()).isEqualTo(2);
        assertThat(command.err()).contains("Did you mean: ferry serve");
    }

    @Test
    void anUnresolvableHostIsAOneLineConfigurationError() {
        Run r = run("serve", "--host", "nosuchhost.invalid", "--port", "0");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("ferry: configuration error: server.host: \"nosuchhost.invalid\" (expected: an"
                + " address of this machine; the name does not resolve)" + System.lineSeparator());
    }
}
