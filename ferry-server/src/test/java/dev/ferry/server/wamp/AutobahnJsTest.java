package dev.ferry.server.wamp;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import dev.ferry.server.auth.TestKeys;
import dev.ferry.server.config.AuthConfig;
import dev.ferry.server.config.IssuerConfig;
import dev.ferry.server.config.WampConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.NodeProcess;
import dev.ferry.server.testing.NodeScript;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Autobahn|JS (npm {@code autobahn}, on Node's {@code ws}) against {@code /v1/wamp}: the scenario
 * {@code src/test/node/wamp-autobahn.js} (pub/sub, pattern subscriptions, calls both ways with ferry.v1,
 * progressive results, cancel, shared registrations, pattern registrations, caller disclosure, UNSUBSCRIBE and
 * UNREGISTER, the meta API and event history, ticket auth with a JWT, wampcra with an API key, and their refusals). Needs
 * {@code node} and {@code npm ci --prefix ferry-server/src/test/node}; skipped with the reason when absent.
 */
class AutobahnJsTest {
    static final String ISS = "https://id.example";
    /** A named API key of the guarded server, for {@code wampcra}. */
    static final String KEY_NAME = "backend";
    static final String KEY = "backend-key-0123456789";
    /** A named API key of the guarded server with the admin action, which kills sessions there. */
    static final String ADMIN_KEY = "ops-key-0123456789";

    @RegisterExtension
    static final FerryServerExtension open = new FerryServerExtension(c -> c
            .withWamp(new WampConfig(List.of(new WampConfig.Realm("app1", "app1")))));

    @RegisterExtension
    static final FerryServerExtension guarded = new FerryServerExtension(c -> c.withAuth(new AuthConfig(false, "",
            false, Duration.ZERO, "ferry", List.of("subscribe+publish chat.# authenticated"),
            List.of(new IssuerConfig("main", ISS, TestKeys.SECRET, List.of(), null, null, Duration.ofMinutes(5), List.of()))))
            .withHttp(new dev.ferry.server.config.HttpConfig(List.of(), 1 << 20, List.of(
                    new dev.ferry.server.config.ApiKeyConfig(KEY_NAME, KEY, List.of("call+register math.*")),
                    new dev.ferry.server.config.ApiKeyConfig("ops", ADMIN_KEY, List.of("all #", "admin #"))))));

    /** With permessage-deflate on (threshold 64 bytes), which Node's ws offers by default. */
    @RegisterExtension
    static final FerryServerExtension deflating = new FerryServerExtension(c -> c
            .withWebSocket(c.websocket().withDeflate(dev.ferry.server.config.DeflateConfig.on(64)))
            .withWamp(new WampConfig(List.of(new WampConfig.Realm("app1", "app1")))));

    /**
     * {@code src/test/node/wamp-deflate.js}: Autobahn|JS negotiates permessage-deflate for both serializations and
     * gets a large EVENT compressed (and a session that did not negotiate it, plain).
     */
    @Test
    void autobahnJsWithPermessageDeflate() throws Exception {
        NodeScript.requireProject("ws", "autobahn");
        NodeProcess.Result r = NodeScript.run("wamp-deflate.js", 180, deflating.wsUri().toString(),
                deflating.http("").toString());
        assertThat(r.timedOut()).as("wamp-deflate.js was killed%n%s", r.transcript()).isFalse();
        assertThat(r.exitCode()).as("exit code of wamp-deflate.js%n%s", r.transcript()).isZero();
        assertThat(r.transcript()).contains("msgpack 2: read", "(compressed)", "PASS - scenario wamp-deflate");
    }

    @Test
    void autobahnJsScenario() throws Exception {
        NodeScript.requireProject("ws", "autobahn");
        String token = TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null,
                TestKeys.claims(ISS, "alice").expirationTime(Date.from(Instant.now().plusSeconds(600))).build());
        NodeProcess.Result r = NodeScript.run("wamp-autobahn.js", 180, open.wsUri().toString(), open.http("").toString(),
                token, guarded.wsUri().toString(), KEY_NAME, KEY, ADMIN_KEY);
        assertThat(r.timedOut()).as("wamp-autobahn.js was killed%n%s", r.transcript()).isFalse();
        assertThat(r.exitCode()).as("exit code of wamp-autobahn.js%n%s", r.transcript()).isZero();
    }
}
