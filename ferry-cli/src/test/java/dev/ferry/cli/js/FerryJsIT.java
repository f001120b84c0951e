package dev.ferry.cli.js;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.testing.JarProcess;
import dev.ferry.server.testing.NodeProcess;
import dev.ferry.server.testing.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs ferry-js's {@code node --test} suites against a real server started from the built jar
 * ({@code java -jar ferry-cli/target/ferry.jar serve --demo}, as a user would; run by failsafe after {@code package}): unit tests (no server), integration tests
 * (the client, MultiWebSocket, JSONWebSocket, and the websocket-multiplex npm client against /v1/multiplex), and
 * browser tests in headless Chromium through playwright-core (the demo pages, among them the shared to-do list, and
 * Autobahn|JS's browser build on /v1/wamp next to a ferry.v1 client, and a page refused by the connect hook of a
 * second server, whose backend is the example of docs/hooks.md), and
 * the package as npm packs it (installed from the tarball in a clean folder, used with import and require). Needs {@code node}, {@code npm ci --prefix ferry-js},
 * and for the browser tests Debian's {@code chromium} ({@code /usr/bin/chromium}, or {@code FERRY_CHROMIUM});
 * each skips with the reason where that is missing, and fails instead under {@code CI=true}.
 */
class FerryJsIT {
    /**
     * Per suite. The browser suite takes about 70 s on a 2-vCPU machine under a load average of 17 (fourteen tests,
     * the multiplexer load test among them); the bound leaves room for a busier machine.
     */
    private static final long TIMEOUT_SECONDS = 300;

    private static Path project;
    private static Path node;
    private static JarProcess server;
    private static String httpUrl;

    /** Starts {@code ferry.jar serve --demo} on 127.0.0.1, port 0, and reads the URL it logs. */
    @BeforeAll
    static void startServer() throws Exception {
        server = JarProcess.start("serve", List.of("serve", "--demo", "--host", "127.0.0.1", "--port", "0",
                        "--set", "presence.rules.js.pattern=it.presence.*", "--set", "presence.rules.js.coalesce=50ms"),
                Map.of("FERRY_STATE_CHANNELS_JS_PATTERN", "js.state.#")); // for test/integration/state.test.js
        httpUrl = server.httpUrl(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close(); // SIGTERM: the server drains and exits
        }
    }

    @BeforeAll
    static void locate() {
        String basedir = System.getProperty("basedir", ".");
        project = List.of(Path.of(basedir, "..", "ferry-js"), Path.of("ferry-js"), Path.of("..", "ferry-js")).stream()
                .filter(d -> Files.isRegularFile(d.resolve("package.json")))
                .map(d -> d.toAbsolutePath().normalize())
                .findFirst().orElse(null);
        node = NodeProcess.onPath("node").orElse(null);
    }

    private static void requireNode(String module) {
        Requirements.require(node != null && project != null && Files.isDirectory(project.resolve("node_modules/" + module)),
                "node and the npm package " + module + " (npm ci --prefix ferry-js)");
    }

    @Test
    void unit() throws Exception {
        Requirements.require(node != null && project != null, "node and the ferry-js directory");
        run("test/unit/", Map.of());
    }

    @Test
    void integration() throws Exception {
        requireNode("ws");
        requireNode("websocket-multiplex");
        run("test/integration/", Map.of());
    }

    @Test
    void browser() throws Exception {
        requireNode("playwright-core");
        String chromium = System.getenv().getOrDefault("FERRY_CHROMIUM", "/usr/bin/chromium");
        Requirements.require(Files.isExecutable(Path.of(chromium)),
                "Chromium at " + chromium + " for the browser tests (apt-get install chromium, or set FERRY_CHROMIUM)");
        Requirements.require(NodeProcess.onPath("python3").isPresent(),
                "python3 for the example hooks backend of test/browser/hooks.test.js");
        // test/browser/hooks.test.js: a second server whose connect hook is the example backend of docs/hooks.md
        Process backend = new ProcessBuilder("python3", "-u",
                project.resolve("../examples/hooks/backend.py").normalize().toString(), "0")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(backend.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8)).readLine(); // "listening on <port>"
            assertThat(line).as("the example hooks backend's first line").startsWith("listening on ");
            String backendUrl = "http://127.0.0.1:" + line.substring("listening on ".length()).trim();
            try (JarProcess hooked = JarProcess.serve(List.of("hooks.connect.url=" + backendUrl + "/ferry/connect"))) {
                run("test/browser/", Map.of("FERRY_CHROMIUM", chromium,
                        "FERRY_HOOKS_HTTP_URL", hooked.httpUrl(Duration.ofSeconds(60)),
                        "FERRY_HOOKS_BACKEND_URL", backendUrl));
            }
        } finally {
            backend.destroy();
            backend.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /** {@code npm pack}, then the tarball installed offline in a clean folder and used with import and require. */
    @Test
    void packedTarball() throws Exception {
        requireNode("ws");
        Requirements.require(NodeProcess.onPath("npm").isPresent(), "npm on the PATH (apt-get install npm)");
        run("test/package/", Map.of());
    }

    private static void run(String suite, Map<String, String> extraEnv) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(node.toString(), "--test", "--test-concurrency=1", suite));
        Map<String, String> env = new java.util.HashMap<>(extraEnv);
        env.put("FERRY_HTTP_URL", httpUrl);
        NodeProcess.Result r = NodeProcess.run(project, cmd, env, TIMEOUT_SECONDS);
        System.out.println(r.transcript());
        assertThat(r.timedOut()).as("%s did not finish within %d s%n%s", suite, TIMEOUT_SECONDS, r.transcript()).isFalse();
        assertThat(r.exitCode()).as("node --test %s%n%s", suite, r.transcript()).isZero();
        assertThat(r.transcript()).as("no test was skipped in %s%n%s", suite, r.transcript()).contains("# skipped 0");
    }
}
