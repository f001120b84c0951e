package dev.ferry.server.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.CancelMode;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Payload;
import dev.ferry.server.config.RpcConfig;
import dev.ferry.server.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * RPC in-process, without sockets or loops: a recording caller and callee on the calling thread, and call
 * timeouts on a manual clock. Register, call, answer, time out, cancel, and a callee that goes away.
 */
class RpcClockTest {
    private final ManualClock clock = new ManualClock();
    private final Rpc rpc = new Rpc(RpcConfig.DEFAULT, new SimpleMeterRegistry(), clock);
    private final RecordingCaller caller = new RecordingCaller();
    private final RecordingCallee callee = new RecordingCallee();

    /** Records the outcomes it gets, one line each. */
    static final class RecordingCaller implements Caller {
        final List<String> outcomes = new ArrayList<>();

        @Override
        public EventExecutor executor() {
            return ImmediateEventExecutor.INSTANCE;
        }

        @Override
        public void callSucceeded(long requestId, Payload result) {
            outcomes.add(requestId + " ok " + new String(result.bytes()));
        }

        @Override
        public void callFailed(long requestId, ErrorCode code, String message, Payload data) {
            outcomes.add(requestId + " " + code.wire());
        }
    }

    /** Records the invocations and interrupts it gets; answers nothing by itself. */
    static final class RecordingCallee implements Callee {
        final List<Invocation> invoked = new ArrayList<>();
        final List<String> interrupts = new ArrayList<>();

        @Override
        public EventExecutor executor() {
            return ImmediateEventExecutor.INSTANCE;
        }

        @Override
        public void invoke(Invocation invocation) {
            invoked.add(invocation);
        }

        @Override
        public void interrupt(long invocationId, CancelMode mode, String reason) {
            interrupts.add(invocationId + " " + mode.wire() + " " + reason);
        }
    }

    @Test
    void aRegisteredProcedureIsCalledAndItsAnswerReachesTheCaller() throws Exception {
        assertThat(rpc.call(caller, 1, "math.add", Payload.json("[1,2]"), 1000)).isZero();
        assertThat(caller.outcomes).containsExactly("1 " + ErrorCode.NO_SUCH_PROCEDURE.wire());
        rpc.register("math.add", callee).toCompletableFuture().join();
        assertThat(rpc.isRegistered("math.add")).isTrue();
        long id = rpc.call(caller, 2, "math.add", Payload.json("[1,2]"), 1000);
        assertThat(callee.invoked).singleElement().satisfies(i -> {
            assertThat(i.id()).isEqualTo(id);
            assertThat(new String(i.args().bytes())).isEqualTo("[1,2]");
        });
        rpc.reply(callee, id, Payload.json("3"), null);
        assertThat(caller.outcomes).last().isEqualTo("2 ok 3");
        assertThat(rpc.pendingCalls()).isZero();
        assertThat(clock.timers()).as("the answered call's timeout is cancelled").isZero();
        rpc.reply(callee, id, Payload.json("4"), null); // a second answer is ignored
        assertThat(caller.outcomes).hasSize(2);
    }

    @Test
    void aCallWithoutAnswerTimesOutWhenTheClockPassesItsTimeout() throws Exception {
        rpc.register("slow.op", callee).toCompletableFuture().join();
        long id = rpc.call(caller, 7, "slow.op", Payload.NULL, 5000);
        clock.advance(Duration.ofMillis(4999));
        assertThat(caller.outcomes).isEmpty();
        clock.advance(Duration.ofMillis(1));
        assertThat(caller.outcomes).containsExactly("7 " + ErrorCode.CALL_TIMEOUT.wire());
        assertThat(callee.interrupts).containsExactly(id + " " + CancelMode.KILLNOWAIT.wire() + " timeout");
        rpc.reply(callee, id, Payload.json("1"), null); // too late: dropped
        assertThat(caller.outcomes).hasSize(1);
        assertThat(rpc.pendingCalls()).isZero();
    }

    @Test
    void aCanceledCallIsSettledAndItsCalleeInterrupted() throws Exception {
        rpc.register("long.op", callee).toCompletableFuture().join();
        long skip = rpc.call(caller, 1, "long.op", Payload.NULL, 5000);
        long kill = rpc.call(caller, 2, "long.op", Payload.NULL, 5000);
        assertThat(rpc.cancel(skip, CancelMode.SKIP)).isTrue();
        assertThat(caller.outcomes).containsExactly("1 " + ErrorCode.CANCELED.wire());
        assertThat(rpc.cancel(skip, CancelMode.SKIP)).as("settled already").isFalse();
        assertThat(rpc.cancel(kill, CancelMode.KILL)).isTrue();
        assertThat(callee.interrupts).containsExactly(skip + " skip cancel", kill + " kill cancel");
        assertThat(caller.outcomes).as("kill waits for the callee's answer").hasSize(1);
        rpc.fail(callee, kill, ErrorCode.CALLEE_GONE, "stopped", null);
        assertThat(caller.outcomes).last().isEqualTo("2 " + ErrorCode.CANCELED.wire());
        clock.advance(Duration.ofMillis(5000)); // no timeout left to fire
        assertThat(caller.outcomes).hasSize(2);
        assertThat(clock.timers()).isZero();
    }

    @Test
    void aCalleeThatGoesAwayFailsItsCallsWithCalleeGone() throws Exception {
        rpc.register("gone.op", callee).toCompletableFuture().join();
        long a = rpc.call(caller, 1, "gone.op", Payload.NULL, 5000);
        long b = rpc.call(caller, 2, "gone.op", Payload.NULL, 5000);
        rpc.unregister("gone.op", callee);
        rpc.calleeGone(List.of(a, b));
        assertThat(caller.outcomes).containsExactly("1 " + ErrorCode.CALLEE_GONE.wire(), "2 " + ErrorCode.CALLEE_GONE.wire());
        assertThat(rpc.isRegistered("gone.op")).isFalse();
        assertThat(clock.timers()).isZero();
        rpc.call(caller, 3, "gone.op", Payload.NULL, 5000);
        assertThat(caller.outcomes).last().isEqualTo("3 " + ErrorCode.NO_SUCH_PROCEDURE.wire());
    }
}
