package dev.ferry.server.rpc;

import static dev.ferry.server.rpc.RpcRoutingTest.on;
import static dev.ferry.server.rpc.RpcRoutingTest.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.CancelMode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Payload;
import dev.ferry.server.config.RpcConfig;
import dev.ferry.server.rpc.RpcRoutingTest.QueueCaller;
import dev.ferry.server.rpc.RpcRoutingTest.RecordingCallee;
import dev.ferry.server.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.DefaultEventLoop;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Progressive results, cancel in its three modes and timeouts in {@link Rpc}, caller and callee on two loops. */
class RpcCancelTest {
    private final DefaultEventLoop callerLoop = new DefaultEventLoop();
    private final DefaultEventLoop calleeLoop = new DefaultEventLoop();
    private final ManualClock clock = new ManualClock();
    private final Rpc rpc = new Rpc(RpcConfig.DEFAULT, new SimpleMeterRegistry(), clock);
    private final RecordingCallee callee = new RecordingCallee("callee", calleeLoop);
    private final QueueCaller caller = new QueueCaller(callerLoop);

    @AfterEach
    void stop() {
        callerLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        calleeLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private static Payload json(String text) {
        return Payload.json(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Makes call {@code request} and waits for its invocation; returns the invocation id. */
    private long call(long request, boolean progress) throws Exception {
        rpc.register("p", callee);
        int before = callee.invoked().size();
        long id = on(callerLoop, () -> rpc.call(caller, request, "p", json("1"), 10_000, progress));
        waitFor(() -> callee.invoked().size() == before + 1);
        return id;
    }

    private String next() throws InterruptedException {
        return caller.outcomes().poll(30, TimeUnit.SECONDS);
    }

    @Test
    void progressReachesACallerThatAskedAndPrecedesTheResult() throws Exception {
        long id = call(1, true);
        on(calleeLoop, () -> {
            rpc.progress(callee, id, json("10"));
            rpc.progress(callee, id, json("20"));
            rpc.reply(callee, id, json("30"), null);
            return null;
        });
        assertThat(next()).isEqualTo("1:progress:10");
        assertThat(next()).isEqualTo("1:progress:20");
        assertThat(next()).isEqualTo("1:30");
    }

    @Test
    void progressIsDroppedForACallerThatDidNotAsk() throws Exception {
        long id = call(2, false);
        on(calleeLoop, () -> {
            rpc.progress(callee, id, json("10"));
            rpc.reply(callee, id, json("30"), null);
            return null;
        });
        assertThat(next()).isEqualTo("2:30");
    }

    @Test
    void skipSettlesAtOnceAndTheCalleeForgetsTheInvocation() throws Exception {
        long id = call(3, false);
        assertThat(on(callerLoop, () -> rpc.cancel(id, CancelMode.SKIP))).isTrue();
        assertThat(next()).isEqualTo("3:canceled");
        // the callee forgets it (its client is not told: Session and the WAMP endpoint send nothing for skip)
        waitFor(() -> callee.interrupts().equals(java.util.List.of(id + ":skip:cancel")));
        on(calleeLoop, () -> {
            rpc.reply(callee, id, json("1"), null);
            return null;
        });
        assertThat(rpc.pendingCalls()).isZero();
        assertThat(caller.outcomes()).isEmpty();
    }

    @Test
    void killnowaitSettlesAtOnceAndInterruptsTheCallee() throws Exception {
        long id = call(4, false);
        on(callerLoop, () -> rpc.cancel(id, CancelMode.KILLNOWAIT));
        assertThat(next()).isEqualTo("4:canceled");
        waitFor(() -> callee.interrupts().equals(java.util.List.of(id + ":killnowait:cancel")));
        // a second cancel finds nothing in flight
        assertThat(on(callerLoop, () -> rpc.cancel(id, CancelMode.KILL))).isFalse();
    }

    @Test
    void killWaitsForTheCalleeWhoseErrorBecomesCanceled() throws Exception {
        long id = call(5, false);
        on(callerLoop, () -> rpc.cancel(id, CancelMode.KILL));
        waitFor(() -> callee.interrupts().equals(java.util.List.of(id + ":kill:cancel")));
        assertThat(caller.outcomes()).isEmpty();
        on(calleeLoop, () -> {
            rpc.reply(callee, id, null, new Frame.ErrorBody("app.stopped", "stopped", null));
            return null;
        });
        assertThat(next()).isEqualTo("5:canceled");
    }

    @Test
    void killedCallStillDeliversAResultThatWasOnItsWay() throws Exception {
        long id = call(6, false);
        on(callerLoop, () -> rpc.cancel(id, CancelMode.KILL));
        on(calleeLoop, () -> {
            rpc.reply(callee, id, json("\"done\""), null);
            return null;
        });
        assertThat(next()).isEqualTo("6:\"done\"");
    }

    @Test
    void aTimeoutInterruptsTheCallee() throws Exception {
        long id = call(7, false);
        clock.advance(Duration.ofSeconds(10));
        assertThat(next()).isEqualTo("7:call_timeout");
        waitFor(() -> callee.interrupts().equals(java.util.List.of(id + ":killnowait:timeout")));
    }

    @Test
    void aCallerThatGoesAwayInterruptsTheCallee() throws Exception {
        long id = call(8, false);
        on(callerLoop, () -> {
            rpc.callerGone(java.util.List.of(id));
            return null;
        });
        waitFor(() -> callee.interrupts().equals(java.util.List.of(id + ":killnowait:cancel")));
        assertThat(rpc.pendingCalls()).isZero();
    }

    @Test
    void callsAreCountedPerProcedure() throws Exception {
        for (int i = 1; i <= 3; i++) {
            long id = call(i, false);
            on(calleeLoop, () -> {
                rpc.reply(callee, id, json("1"), null);
                return null;
            });
            next();
        }
        assertThat(rpc.registered()).singleElement().satisfies(r -> {
            assertThat(r.proc()).isEqualTo("p");
            assertThat(r.calls()).isEqualTo(3);
            assertThat(r.callsPerSecond()).isEqualTo(3.0 / 60);
        });
        clock.advance(Duration.ofSeconds(61));
        assertThat(rpc.registered().get(0).callsPerSecond()).isZero();
    }
}
