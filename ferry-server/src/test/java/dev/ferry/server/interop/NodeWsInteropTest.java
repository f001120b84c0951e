package dev.ferry.server.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.Requirements;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Interoperability with independent implementations: Node's {@code ws} package (and, for server-sent events, the
 * {@code eventsource} package) runs the scenarios in
 * {@code src/test/node} (written against docs/protocol.md) against a real server. Each scenario is a script that
 * prints one line per check and exits 0 on success; it bounds itself to about 10 s, and is killed after
 * {@link #PROCESS_TIMEOUT_SECONDS} anyway. Needs {@code node} on the PATH and
 * {@code npm ci --prefix ferry-server/src/test/node}.
 */
class NodeWsInteropTest {
    private static final long PROCESS_TIMEOUT_SECONDS = 30;

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension();

    private static Path nodeDir;
    private static Path node;

    @BeforeAll
    static void locateNode() {
        nodeDir = locateNodeProject();
        node = findOnPath("node").orElse(null);
    }

    /** Per test rather than per class, so that a missing install shows up as six skipped tests. */
    @BeforeEach
    void requireNode() {
        Requirements.require(node != null && nodeDir != null && Files.isDirectory(nodeDir.resolve("node_modules/ws")),
                "node and the npm package ws (npm ci --prefix ferry-server/src/test/node)");
    }

    @Test
    void handshake() throws Exception {
        runScenario("handshake.js");
    }

    @Test
    void pubsub() throws Exception {
        runScenario("pubsub.js");
    }

    @Test
    void batching() throws Exception {
        runScenario("batching.js");
    }

    @Test
    void binary() throws Exception {
        runScenario("binary.js");
    }

    @Test
    void rpc() throws Exception {
        runScenario("rpc.js");
    }

    @Test
    void badInput() throws Exception {
        runScenario("bad-input.js");
    }

    /** Server-sent events with the {@code eventsource} package, including a Last-Event-ID resume (docs/web.md). */
    @Test
    void eventSource() throws Exception {
        Requirements.require(Files.isDirectory(nodeDir.resolve("node_modules/eventsource")),
                "the npm package eventsource (npm ci --prefix ferry-server/src/test/node)");
        runScenario("eventsource.js");
    }

    private static void runScenario(String script) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(List.of(node.toString(), script,
                server.wsUri().toString(), server.http("").toString()))
                .directory(nodeDir.toFile())
                .redirectErrorStream(false);
        pb.environment().remove("NODE_OPTIONS");
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<String> stdout = drain(p.getInputStream());
        CompletableFuture<String> stderr = drain(p.getErrorStream());
        boolean exited = p.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!exited) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        String out = stdout.get(5, TimeUnit.SECONDS);
        String err = stderr.get(5, TimeUnit.SECONDS);
        String transcript = "node " + script + " " + server.wsUri() + "\n--- stdout ---\n" + out
                + (err.isEmpty() ? "" : "--- stderr ---\n" + err);
        System.out.println(transcript);
        assertThat(exited).as("%s did not exit within %d s and was killed%n%s", script, PROCESS_TIMEOUT_SECONDS, transcript)
                .isTrue();
        assertThat(p.exitValue()).as("exit code of %s%n%s", script, transcript).isZero();
    }

    /** Reads a stream to its end on its own thread (not a shared pool, so that neither pipe can fill up). */
    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> text = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (in) {
                text.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                text.complete("<could not read: " + e + ">");
            }
        }, "node-output");
        t.setDaemon(true);
        t.start();
        return text;
    }

    /** src/test/node of this module: Maven runs tests in the module directory; an IDE may use the repository root. */
    private static Path locateNodeProject() {
        String basedir = System.getProperty("basedir");
        List<Path> candidates = basedir == null
                ? List.of(Path.of("src/test/node"), Path.of("ferry-server/src/test/node"))
                : List.of(Path.of(basedir, "src/test/node"), Path.of("src/test/node"), Path.of("ferry-server/src/test/node"));
        return candidates.stream()
                .filter(d -> Files.isRegularFile(d.resolve("package.json")))
                .map(d -> d.toAbsolutePath().normalize())
                .findFirst()
                .orElse(null);
    }

    private static Optional<Path> findOnPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, command);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
