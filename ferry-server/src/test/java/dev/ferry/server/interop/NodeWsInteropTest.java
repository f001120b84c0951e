package dev.ferry.server.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.NodeProcess;
import dev.ferry.server.testing.NodeScript;
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
    private static final long PROCESS_TIMEOUT_SECONDS = 180;

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension();

    /** A server with permessage-deflate on (threshold 64 bytes). */
    @RegisterExtension
    static final FerryServerExtension deflating = new FerryServerExtension(c -> c.withWebSocket(
            c.websocket().withDeflate(dev.ferry.server.config.DeflateConfig.on(64))));

    /** Per test rather than per class, so that a missing install shows up as skipped tests. */
    @BeforeEach
    void requireNode() {
        NodeScript.requireProject("ws");
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
        NodeScript.requireProject("eventsource");
        runScenario("eventsource.js");
    }

    /** permessage-deflate negotiated by ws (docs/configuration.md, {@code websocket.deflate}). */
    @Test
    void deflate() throws Exception {
        runScenario("deflate.js", deflating);
    }

    private static void runScenario(String script) throws Exception {
        runScenario(script, server);
    }

    private static void runScenario(String script, FerryServerExtension server) throws Exception {
        NodeProcess.Result r = NodeScript.run(script, PROCESS_TIMEOUT_SECONDS, server.wsUri().toString(), server.http("").toString());
        assertThat(r.timedOut()).as("%s did not exit within %d s and was killed%n%s", script, PROCESS_TIMEOUT_SECONDS,
                r.transcript()).isFalse();
        assertThat(r.exitCode()).as("exit code of %s%n%s", script, r.transcript()).isZero();
    }
}
