package dev.ferry.server.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.protocol.CancelMode;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.InvokePolicy;
import dev.ferry.protocol.Payload;
import dev.ferry.server.config.RpcConfig;
import dev.ferry.server.testing.Await;
import io.netty.channel.DefaultEventLoop;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How {@link Rpc} picks among the callees of one procedure, by {@code rpc.routing}, on real event loops. */
class RpcRoutingTest {
    private final DefaultEventLoop loopA = new DefaultEventLoop();
    private final DefaultEventLoop loopB = new DefaultEventLoop();

    @AfterEach
    void stop() {
        loopA.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        loopB.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /** A callee on {@code executor} that records the invocations and interrupts it gets. */
    record RecordingCallee(String name, EventExecutor executor, List<Long> invoked, List<String> interrupts)
            implements Callee {
        RecordingCallee(String name, EventExecutor executor) {
            this(name, executor, new java.util.concurrent.CopyOnWriteArrayList<>(),
                    new java.util.concurrent.CopyOnWriteArrayList<>());
        }

        @Override
        public void invoke(Invocation invocation) {
            assertThat(executor.inEventLoop()).as("invoked on its own loop").isTrue();
            invoked.add(invocation.id());
        }

        @Override
        public void interrupt(long invocationId, CancelMode mode, String reason) {
            assertThat(executor.inEventLoop()).as("interrupted on its own loop").isTrue();
            interrupts.add(invocationId + ":" + mode.wire() + ":" + reason);
        }
    }

    /** A caller on {@code executor} whose progress and outcomes arrive in {@code outcomes}. */
    record QueueCaller(EventExecutor executor, BlockingQueue<String> outcomes) implements Caller {
        QueueCaller(EventExecutor executor) {
            this(executor, new LinkedBlockingQueue<>());
        }

        @Override
        public void callSucceeded(long requestId, Payload result) {
            outcomes.add(requestId + ":" + new String(result.bytes(), java.nio.charset.StandardCharsets.UTF_8));
        }

        @Override
        public void callFailed(long requestId, ErrorCode code, String message, Payload data) {
            outcomes.add(requestId + ":" + code.wire());
        }

        @Override
        public void callProgress(long requestId, Payload data) {
            outcomes.add(requestId + ":progress:" + new String(data.bytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    static <T> T on(EventExecutor loop, Callable<T> task) throws Exception {
        return loop.submit(task).get(5, TimeUnit.SECONDS);
    }

    /** Makes {@code n} calls from {@code caller} on its loop; returns the invocation ids. */
    private static List<Long> calls(Rpc rpc, QueueCaller caller, int n) throws Exception {
        List<Long> ids = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            long request = i;
            ids.add(on(caller.executor(), () -> rpc.call(caller, request, "p", Payload.json("1".getBytes()), 5_000)));
        }
        return ids;
    }

    private Rpc rpc(RpcConfig.Routing routing) {
        return new Rpc(new RpcConfig(Duration.ofSeconds(30), Duration.ofMinutes(5), routing));
    }

    @Test
    void firstAndLastPickTheOldestAndNewestCallee() throws Exception {
        Rpc rpc = rpc(RpcConfig.Routing.ROUND_ROBIN);
        RecordingCallee a = new RecordingCallee("a", loopA);
        RecordingCallee b = new RecordingCallee("b", loopB);
        rpc.register("p", a, InvokePolicy.FIRST);
        rpc.register("p", b, InvokePolicy.FIRST);
        calls(rpc, new QueueCaller(loopA), 3);
        waitFor(() -> a.invoked().size() == 3);
        rpc.unregister("p", a);
        calls(rpc, new QueueCaller(loopA), 1);
        waitFor(() -> b.invoked().size() == 1);

        Rpc last = rpc(RpcConfig.Routing.ROUND_ROBIN);
        RecordingCallee c = new RecordingCallee("c", loopA);
        RecordingCallee d = new RecordingCallee("d", loopB);
        last.register("p", c, InvokePolicy.LAST);
        last.register("p", d, InvokePolicy.LAST);
        calls(last, new QueueCaller(loopA), 3);
        waitFor(() -> d.invoked().size() == 3);
        assertThat(c.invoked()).isEmpty();
    }

    @Test
    void randomReachesEveryCallee() throws Exception {
        Rpc rpc = rpc(RpcConfig.Routing.ROUND_ROBIN);
        RecordingCallee a = new RecordingCallee("a", loopA);
        RecordingCallee b = new RecordingCallee("b", loopB);
        rpc.register("p", a, InvokePolicy.RANDOM);
        rpc.register("p", b, InvokePolicy.RANDOM);
        calls(rpc, new QueueCaller(loopA), 200);
        waitFor(() -> a.invoked().size() + b.invoked().size() == 200);
        // each side is picked with probability 1/2: both are picked in 200 draws but with odds of 2^-199
        assertThat(a.invoked()).isNotEmpty();
        assertThat(b.invoked()).isNotEmpty();
    }

    @Test
    void singleAndMismatchedPoliciesAreRefused() throws Exception {
        Rpc rpc = rpc(RpcConfig.Routing.ROUND_ROBIN);
        RecordingCallee a = new RecordingCallee("a", loopA);
        RecordingCallee b = new RecordingCallee("b", loopB);
        rpc.register("p", a, InvokePolicy.SINGLE);
        assertThatThrownBy(() -> rpc.register("p", b, InvokePolicy.SINGLE)).isInstanceOf(Rpc.RegistrationRefused.class)
                .hasMessageContaining("single");
        assertThatThrownBy(() -> rpc.register("p", b)).isInstanceOf(Rpc.RegistrationRefused.class);
        // the sole callee may register again, with another policy; then others may join under it
        rpc.register("p", a, InvokePolicy.RANDOM);
        assertThatThrownBy(() -> rpc.register("p", b, InvokePolicy.ROUNDROBIN))
                .isInstanceOf(Rpc.RegistrationRefused.class).hasMessageContaining("\"random\", not \"roundrobin\"");
        rpc.register("p", b, InvokePolicy.RANDOM);
        assertThat(rpc.registered()).singleElement().satisfies(r -> {
            assertThat(r.callees()).isEqualTo(2);
            assertThat(r.invoke()).isEqualTo(InvokePolicy.RANDOM);
        });
    }

    @Test
    void roundRobinSpreadsCallsOverEveryCallee() throws Exception {
        Rpc rpc = rpc(RpcConfig.Routing.ROUND_ROBIN);
        RecordingCallee a = new RecordingCallee("a", loopA);
        RecordingCallee b = new RecordingCallee("b", loopB);
        rpc.register("p", a);
        rpc.register("p", b);
        calls(rpc, new QueueCaller(loopA), 4);
        waitFor(() -> a.invoked().size() + b.invoked().size() == 4);
        assertThat(a.invoked()).hasSize(2);
        assertThat(b.invoked()).hasSize(2);
    }

    @Test
    void localFirstKeepsCallsOnTheCallersLoopAndAnswersThere() throws Exception {
        Rpc rpc = rpc(RpcConfig.Routing.LOCAL_FIRST);
        RecordingCallee a1 = new RecordingCallee("a1", loopA);
        RecordingCallee a2 = new RecordingCallee("a2", loopA);
        RecordingCallee b = new RecordingCallee("b", loopB);
        rpc.register("p", a1);
        rpc.register("p", b);
        rpc.register("p", a2);
        QueueCaller caller = new QueueCaller(loopA);
        List<Long> ids = calls(rpc, caller, 4);
        // invoked synchronously within the call, on the caller's loop: round-robin between the two local callees
        assertThat(a1.invoked()).hasSize(2);
        assertThat(a2.invoked()).hasSize(2);
        assertThat(b.invoked()).isEmpty();
        on(loopA, () -> {
            rpc.reply(a1, a1.invoked().get(0), Payload.json("\"ok\"".getBytes()), null);
            return null;
        });
        // a1 took the first call (request 1): its result is written to the caller without leaving loop A
        assertThat(a1.invoked().get(0)).isEqualTo(ids.get(0));
        assertThat(caller.outcomes().poll(30, TimeUnit.SECONDS)).isEqualTo("1:\"ok\"");
    }

    @Test
    void localFirstFallsBackToEveryCalleeWhenNoneIsLocal() throws Exception {
        Rpc rpc = rpc(RpcConfig.Routing.LOCAL_FIRST);
        RecordingCallee b = new RecordingCallee("b", loopB);
        rpc.register("p", b);
        calls(rpc, new QueueCaller(loopA), 3);
        waitFor(() -> b.invoked().size() == 3);
        // a local callee takes the calls while it is there; once it leaves, they go back to the others
        RecordingCallee a = new RecordingCallee("a", loopA);
        rpc.register("p", a);
        calls(rpc, new QueueCaller(loopA), 2);
        assertThat(a.invoked()).hasSize(2);
        rpc.unregister("p", a);
        calls(rpc, new QueueCaller(loopA), 1);
        waitFor(() -> b.invoked().size() == 4);
        assertThat(a.invoked()).hasSize(2);
    }

    static void waitFor(java.util.function.BooleanSupplier condition) {
        Await.until("the calls are invoked", condition);
    }
}
