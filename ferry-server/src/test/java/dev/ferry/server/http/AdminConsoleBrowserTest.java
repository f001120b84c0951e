package dev.ferry.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.config.ApiKeyConfig;
import dev.ferry.server.config.HttpConfig;
import dev.ferry.server.config.TunnelConfig;
import dev.ferry.server.config.TunnelRoute;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.NodeProcess;
import dev.ferry.server.testing.NodeScript;
import dev.ferry.server.testing.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The admin console in headless Chromium: {@code src/test/node/admin-console.js} (playwright-core, with ferry.v1
 * clients on Node's ws) logs in with an admin key, finds a connection it opened and disconnects it with the close
 * code and reason it set, tails a topic and clears its history, publishes from the form, calls a procedure from the
 * call form, presses Reload configuration (refused: this server has no configuration file), and fails on any
 * console error of the page. The RabbitMQ module runs it against a server with a bridge and a file to reload.
 * Needs {@code node}, {@code npm ci --prefix ferry-server/src/test/node} and Debian's {@code chromium}
 * ({@code /usr/bin/chromium}, or {@code FERRY_CHROMIUM}); skipped with the reason where missing, failed under
 * {@code CI=true}.
 */
class AdminConsoleBrowserTest {
    static final String KEY = "console-admin-key-0123456789abcdef";

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c
            .withHttp(new HttpConfig(List.of(), 1 << 16, List.of(new ApiKeyConfig("console", KEY, List.of("admin #", "all #")))))
            .withTunnel(new TunnelConfig(List.of(new TunnelRoute(TunnelRoute.Kind.TCP, "echo", null, "127.0.0.1", 9,
                    false, 10, true)), 1 << 20, Duration.ofSeconds(30), Duration.ofSeconds(5))));

    @Test
    void theConsoleDrivesLiveConnections() throws Exception {
        NodeScript.requireProject("ws", "playwright-core");
        String chromium = System.getenv().getOrDefault("FERRY_CHROMIUM", "/usr/bin/chromium");
        Requirements.require(Files.isExecutable(Path.of(chromium)),
                "Chromium at " + chromium + " (apt-get install chromium, or set FERRY_CHROMIUM)");
        // an embedded server has no configuration file: the page's reload is refused with 503
        NodeProcess.Result r = NodeScript.run("admin-console.js", 180,
                java.util.Map.of("FERRY_EXPECT_RELOAD", "^Refused \\(503\\): .*configuration file"),
                server.wsUri().toString(), server.http("").toString(), KEY);
        assertThat(r.timedOut()).as("admin-console.js was killed%n%s", r.transcript()).isFalse();
        assertThat(r.exitCode()).as("exit code of admin-console.js%n%s", r.transcript()).isZero();
    }
}
