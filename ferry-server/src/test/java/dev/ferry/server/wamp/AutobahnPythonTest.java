package dev.ferry.server.wamp;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import dev.ferry.server.auth.TestKeys;
import dev.ferry.server.config.AuthConfig;
import dev.ferry.server.config.IssuerConfig;
import dev.ferry.server.config.WampConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.NodeProcess;
import dev.ferry.server.testing.Requirements;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Autobahn|Python (Debian {@code python3-autobahn}, asyncio) against {@code /v1/wamp}: the scenario
 * {@code src/test/python/wamp_autobahn.py}, with both serializers ({@code wamp.2.json}, {@code wamp.2.msgpack}):
 * pub/sub with acknowledge, prefix and wildcard subscriptions, calls, binary values, progressive results, cancel
 * (the callee interrupted), shared registrations, prefix and wildcard registrations, publications and calls both ways
 * with a ferry.v1 client (Autobahn|Python's own WebSocket client), the session meta API and event history, ticket
 * auth with a JWT, wampcra with an API key, and their refusals. Skipped with the reason without it.
 */
class AutobahnPythonTest {
    static final String ISS = "https://id.example";
    /** A named API key of the guarded server, for {@code wampcra}. */
    static final String KEY_NAME = "backend";
    static final String KEY = "backend-key-0123456789";
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    @RegisterExtension
    static final FerryServerExtension open = new FerryServerExtension(c -> c
            .withWamp(new WampConfig(List.of(new WampConfig.Realm("app1", "app1")))));

    @RegisterExtension
    static final FerryServerExtension guarded = new FerryServerExtension(c -> c.withAuth(new AuthConfig(false, "",
            false, Duration.ZERO, "ferry", List.of("subscribe+publish chat.# authenticated"),
            List.of(new IssuerConfig("main", ISS, TestKeys.SECRET, List.of(), null, null, Duration.ofMinutes(5), List.of()))))
            .withHttp(new dev.ferry.server.config.HttpConfig(List.of(), 1 << 20, List.of(
                    new dev.ferry.server.config.ApiKeyConfig(KEY_NAME, KEY, List.of("call+register math.*"))))));

    private static String wamp(FerryServerExtension s) {
        return "ws://127.0.0.1:" + s.port() + "/v1/wamp";
    }

    @Test
    void autobahnPythonScenario() throws Exception {
        NodeProcess.Result probe = PYTHON.toFile().canExecute()
                ? NodeProcess.run(Path.of("."), List.of(PYTHON.toString(), "-c", "import autobahn, msgpack"), Map.of(), 60)
                : null;
        Requirements.require(probe != null && probe.exitCode() == 0, "Autobahn|Python (apt-get install python3-autobahn)");
        String token = TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null,
                TestKeys.claims(ISS, "alice").expirationTime(Date.from(Instant.now().plusSeconds(600))).build());
        Path script = Path.of("src", "test", "python", "wamp_autobahn.py").toAbsolutePath();
        NodeProcess.Result r = NodeProcess.run(script.getParent(),
                List.of(PYTHON.toString(), script.toString(), wamp(open), token, wamp(guarded), KEY_NAME, KEY), Map.of(), 240);
        assertThat(r.timedOut()).as("wamp_autobahn.py was killed%n%s", r.transcript()).isFalse();
        assertThat(r.exitCode()).as("exit code of wamp_autobahn.py%n%s", r.transcript()).isZero();
        assertThat(r.transcript()).contains("ok   - [msgpack] progressive results, then the final one",
                "ok   - [msgpack] a canceled call's callee is interrupted (INTERRUPT)",
                "ok   - [msgpack] a ferry.v1 caller gets a WAMP callee's result",
                "ok   - [msgpack] a wildcard registration matches an empty component to any word",
                "ok   - [json] wamp.session.on_leave tells the session that left",
                "ok   - [json] wamp.subscription.get_events returns the latest events, oldest first",
                "ok   - a bad ticket is aborted with wamp.error.authentication_failed",
                "ok   - a wrong wampcra signature is aborted with wamp.error.authentication_failed", "PASS - wamp_autobahn.py");
    }
}
