package dev.ferry.server.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.config.TunnelRoute;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.NodeProcess;
import dev.ferry.server.testing.NodeScript;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** npm {@code rhea} (AMQP 1.0) over {@code ws} through Ferry's AMQP route to Artemis, and directly as the baseline. */
class RheaThroughFerryTest {
    static final ArtemisBroker artemis = new ArtemisBroker();

    @RegisterExtension
    static final FerryServerExtension ferry = new FerryServerExtension(c -> c.withTunnel(c.tunnel().withRoutes(List.of(
            TunnelRoute.of(TunnelRoute.Kind.AMQP, "artemis", "127.0.0.1", artemis.port())))));

    @AfterAll
    static void stopBroker() throws Exception {
        artemis.close();
    }

    @Test
    void rheaOverWebSocketAndOverTcp() throws Exception {
        NodeScript.requireProject("rhea", "ws");
        NodeProcess.Result r = NodeScript.run("amqp-rhea.js", 180,
                "ws://127.0.0.1:" + ferry.port() + "/amqp/artemis", "127.0.0.1:" + artemis.port());
        assertThat(r.timedOut()).as("amqp-rhea.js did not finish%n%s", r.transcript()).isFalse();
        assertThat(r.exitCode()).as("exit code%n%s", r.transcript()).isZero();
        assertThat(r.transcript()).contains("ok   ws: 300 kB binary message came back intact");
        assertThat(ferry.server().tunnelStats().get(0).accepted()).isEqualTo(1);
    }
}
