package dev.ferry.cli.clients;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.cli.testing.JarProcess;
import dev.ferry.cli.testing.Python;
import dev.ferry.server.testing.NodeProcess;
import dev.ferry.server.testing.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Python client (clients/python) as a user gets it: installed with {@code pip install ./clients/python} into a
 * fresh virtual environment (with the system's site packages and {@code --no-build-isolation --no-index}, so
 * that Debian's python3-setuptools, python3-wheel and python3-websockets do and nothing is downloaded), then its
 * own tests ({@code clients/python/tests}) and its quick-start example run with that environment's Python, out
 * of the source tree, against {@code ferry serve} from the built jar with an HMAC token issuer for the JWT tests,
 * presence on {@code py.presence.*} and state channels on {@code py.state.#}.
 * Needs Debian's python3-websockets, python3-setuptools, python3-wheel and python3-venv; skips without them
 * (fails under {@code CI=true}).
 */
class PythonClientIT {
    private static final long TIMEOUT_SECONDS = 300;
    private static final String ISSUER = "ferry-python-test";

    private static Path project;
    private static Path work;
    private static Path venvPython;
    private static JarProcess server;
    private static String wsUrl;
    private static String secret;

    @BeforeAll
    static void installAndServe() throws Exception {
        project = Path.of(System.getProperty("basedir", "."), "..", "clients", "python").toAbsolutePath().normalize();
        assertThat(project.resolve("pyproject.toml")).isRegularFile();
        String python = Python.withModules("websockets", "setuptools", "wheel").orElse(null);
        Requirements.require(python != null,
                "a python3 with websockets, setuptools and wheel (apt-get install python3-websockets python3-setuptools python3-wheel)");

        work = Files.createTempDirectory("ferry-python-client-");
        Path venv = work.resolve("venv");
        NodeProcess.Result created = run(work, List.of(python, "-m", "venv", "--system-site-packages", venv.toString()), Map.of());
        Requirements.require(created.exitCode() == 0, "python3 -m venv (apt-get install python3-venv): " + created.transcript());
        venvPython = venv.resolve("bin").resolve("python");
        NodeProcess.Result installed = run(work, List.of(venvPython.toString(), "-m", "pip", "install", "--no-build-isolation",
                "--no-index", "--no-cache-dir", "--disable-pip-version-check", project.toString()), Map.of());
        assertThat(installed.exitCode()).as(installed.transcript()).isZero();
        NodeProcess.Result where = run(work, List.of(venvPython.toString(), "-c", "import ferry_client; print(ferry_client.__file__)"), Map.of());
        assertThat(where.exitCode()).as(where.transcript()).isZero();
        assertThat(where.transcript()).as("imported from the environment, not the source tree")
                .contains(venv.resolve("lib").toString()).doesNotContain(project.resolve("src").toString());

        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        secret = HexFormat.of().formatHex(key);
        server = JarProcess.serve(List.of("auth.issuers.pytest.issuer=" + ISSUER, "auth.issuers.pytest.secret=" + secret,
                "presence.rules.py.pattern=py.presence.*", "presence.rules.py.coalesce=50ms", "state.channels.py.pattern=py.state.#"));
        wsUrl = server.httpUrl(Duration.ofSeconds(60)).replaceFirst("^http", "ws") + "/v1/ws";
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (work != null) {
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void theInstalledPackagePassesItsTests() throws Exception {
        NodeProcess.Result r = run(work, List.of(venvPython.toString(), "-m", "unittest", "discover", "-v",
                "-s", project.resolve("tests").toString()),
                Map.of("FERRY_WS_URL", wsUrl, "FERRY_JWT_ISSUER", ISSUER, "FERRY_JWT_SECRET", secret));
        System.out.println(r.transcript());
        String context = r.transcript() + "\n" + server.log();
        assertThat(r.timedOut()).as(context).isFalse();
        assertThat(r.exitCode()).as(context).isZero();
        assertThat(r.transcript()).as(context).containsPattern("Ran \\d+ tests").contains("\nOK").doesNotContain("skipped");
    }

    @Test
    void theQuickStartExampleRuns() throws Exception {
        NodeProcess.Result r = run(work, List.of(venvPython.toString(), project.resolve("examples").resolve("quickstart.py").toString(), wsUrl),
                Map.of());
        assertThat(r.exitCode()).as(r.transcript()).isZero();
        assertThat(r.transcript()).contains("\"topic\": \"demo.python\"", "\"data\": {\"hello\": \"from python\"}", "\"sum\": 9");
    }

    private static NodeProcess.Result run(Path dir, List<String> command, Map<String, String> env) throws Exception {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("PYTHONDONTWRITEBYTECODE", "1");
        all.put("PIP_NO_INPUT", "1");
        NodeProcess.Result r = NodeProcess.run(dir, command, all, TIMEOUT_SECONDS);
        assertThat(r.timedOut()).as(r.transcript()).isFalse();
        return r;
    }
}
