package dev.ferry.client;

import static dev.ferry.client.RpcTest.TIMEOUT_S;
import static dev.ferry.client.RpcTest.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.protocol.CancelMode;
import dev.ferry.protocol.InvokePolicy;
import dev.ferry.server.testing.FerryServerExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Java client's progressive results, cancel and invocation policies against a real server. */
class ProgressCancelTest {
    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension();

    private FerryClient caller;
    private FerryClient callee;

    @BeforeEach
    void connect() {
        caller = FerryClient.connect(server.wsUri());
        callee = FerryClient.connect(server.wsUri());
    }

    @AfterEach
    void close() {
        caller.close();
        callee.close();
    }

    @Test
    void aCalleeSendsProgressAndTheCallerReceivesItBeforeTheResult() throws Exception {
        List<Boolean> asked = new CopyOnWriteArrayList<>();
        callee.register("count.to", InvokePolicy.DEFAULT, (args, inv) -> {
            asked.add(inv.receivesProgress());
            for (int i = 1; i <= args.asInt(); i++) {
                inv.progress(i);
            }
            return "done";
        }).get(TIMEOUT_S, TimeUnit.SECONDS);
        List<Integer> seen = new CopyOnWriteArrayList<>();
        PendingCall call = caller.call("count.to", 3, Duration.ofSeconds(30), p -> seen.add(p.asInt()));
        assertThat(call.result().get(TIMEOUT_S, TimeUnit.SECONDS).asText()).isEqualTo("done");
        assertThat(seen).containsExactly(1, 2, 3);
        // a plain call of the same procedure gets no progress, only the result
        assertThat(caller.call("count.to", 2).get(TIMEOUT_S, TimeUnit.SECONDS).asText()).isEqualTo("done");
        assertThat(asked).containsExactly(true, false);
    }

    @Test
    void cancelInterruptsTheCalleeAndFailsTheCallWithCanceled() throws Exception {
        CompletableFuture<CancelMode> interrupted = new CompletableFuture<>();
        CompletableFuture<Object> never = new CompletableFuture<>();
        callee.register("wait.forever", InvokePolicy.DEFAULT, (args, inv) -> {
            inv.interrupted().thenAccept(interrupted::complete);
            return never;
        }).get(TIMEOUT_S, TimeUnit.SECONDS);
        PendingCall call = caller.call("wait.forever", null, Duration.ofSeconds(60), null);
        call.cancel(CancelMode.KILLNOWAIT);
        assertThat(failure(call.result()).code()).isEqualTo("canceled");
        assertThat(interrupted.get(TIMEOUT_S, TimeUnit.SECONDS)).isEqualTo(CancelMode.KILLNOWAIT);
    }

    @Test
    void killLetsTheCalleeAnswer() throws Exception {
        callee.register("wait.kill", InvokePolicy.DEFAULT, (args, inv) -> inv.interrupted().thenApply(mode -> {
            throw new FerryException("app.stopped", "stopped on " + mode.wire());
        })).get(TIMEOUT_S, TimeUnit.SECONDS);
        PendingCall call = caller.call("wait.kill", null, Duration.ofSeconds(60), p -> { });
        call.cancel(CancelMode.KILL);
        FerryException e = failure(call.result());
        assertThat(e.code()).isEqualTo("canceled");
        assertThat(e.getMessage()).isEqualTo("stopped on kill");
    }

    @Test
    void aSingleRegistrationRefusesASecondCallee() throws Exception {
        callee.register("only.one", InvokePolicy.SINGLE, (args, inv) -> 1).get(TIMEOUT_S, TimeUnit.SECONDS);
        FerryException e = failure(caller.register("only.one", InvokePolicy.SINGLE, (args, inv) -> 2));
        assertThat(e.code()).isEqualTo("procedure_exists");
        JsonNode r = caller.call("only.one", null).get(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(r.asInt()).isEqualTo(1);
        JsonNode listed = caller.procedures("only").get(TIMEOUT_S, TimeUnit.SECONDS).path("procedures");
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).path("proc").asText()).isEqualTo("only.one");
        assertThat(listed.get(0).path("invoke").asText()).isEqualTo("single");
        assertThat(listed.get(0).path("calls").asLong()).isEqualTo(1);
    }
}
