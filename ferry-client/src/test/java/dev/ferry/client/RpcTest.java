package dev.ferry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import dev.ferry.server.testing.FerryServerExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RpcTest {
    static final long TIMEOUT_S = 30;
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

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

    /** The FerryException a failed future completes with. */
    static FerryException failure(CompletableFuture<?> f) {
        Throwable t = catchThrowable(() -> f.get(TIMEOUT_S, TimeUnit.SECONDS));
        assertThat(t).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(FerryException.class);
        return (FerryException) t.getCause();
    }

    @Test
    void callReturnsTheCalleesResult() throws Exception {
        callee.register("math.add", args -> args.get(0).asInt() + args.get(1).asInt()).get(TIMEOUT_S, TimeUnit.SECONDS);
        JsonNode sum = caller.call("math.add", List.of(2, 3), CALL_TIMEOUT).get(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(sum.asInt()).isEqualTo(5);
    }

    @Test
    void asynchronousHandlersAnswerLater() throws Exception {
        callee.register("greet", args -> CompletableFuture.supplyAsync(() -> Map.of("hello", args.asText())))
                .get(TIMEOUT_S, TimeUnit.SECONDS);
        JsonNode r = caller.call("greet", "ana", CALL_TIMEOUT).get(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(r.get("hello").asText()).isEqualTo("ana");
    }

    @Test
    void binaryArgumentsAndResultsStayBinary() throws Exception {
        callee.register("bytes.reverse", args -> {
            byte[] in = args.binaryValue();
            byte[] out = new byte[in.length];
            for (int i = 0; i < in.length; i++) {
                out[i] = in[in.length - 1 - i];
            }
            return out;
        }).get(TIMEOUT_S, TimeUnit.SECONDS);
        JsonNode r = caller.call("bytes.reverse", new byte[] {1, 2, '\n', 4}, CALL_TIMEOUT).get(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(r).isInstanceOf(BinaryNode.class);
        assertThat(r.binaryValue()).containsExactly(4, '\n', 2, 1);
    }

    @Test
    void unknownProcedureFailsWithNoSuchProcedure() {
        FerryException e = failure(caller.call("nobody.home", null, CALL_TIMEOUT));
        assertThat(e.code()).isEqualTo("no_such_procedure");
        assertThat(e.getMessage()).contains("nobody.home");
    }

    @Test
    void slowCalleeFailsWithCallTimeout() throws Exception {
        CompletableFuture<Object> never = new CompletableFuture<>();
        callee.register("slow", args -> never).get(TIMEOUT_S, TimeUnit.SECONDS);
        FerryException e = failure(caller.call("slow", null, Duration.ofMillis(100)));
        assertThat(e.code()).isEqualTo("call_timeout");
        never.complete("too late"); // a late reply is ignored by the server
    }

    @Test
    void calleeThatDisconnectsFailsWithCalleeGone() throws Exception {
        FerryClient leaving = FerryClient.builder().uri(server.wsUri()).reconnect(false).connect();
        CountDownLatch invoked = new CountDownLatch(1);
        leaving.register("leaving", args -> {
            invoked.countDown();
            return new CompletableFuture<>();
        }).get(TIMEOUT_S, TimeUnit.SECONDS);
        CompletableFuture<JsonNode> call = caller.call("leaving", null, CALL_TIMEOUT);
        assertThat(invoked.await(TIMEOUT_S, TimeUnit.SECONDS)).isTrue();
        leaving.close();
        FerryException e = failure(call);
        assertThat(e.code()).isEqualTo("callee_gone");
    }

    @Test
    void handlerExceptionsFailWithCalleeError() throws Exception {
        callee.register("fails", args -> {
            throw new IllegalArgumentException("bad input");
        }).get(TIMEOUT_S, TimeUnit.SECONDS);
        callee.register("refuses", args -> {
            throw new FerryException("quota_exceeded", "try later", args);
        }).get(TIMEOUT_S, TimeUnit.SECONDS);

        FerryException plain = failure(caller.call("fails", 1, CALL_TIMEOUT));
        assertThat(plain.code()).isEqualTo("callee_error");
        assertThat(plain.getMessage()).isEqualTo("bad input");
        assertThat(plain.calleeCode()).isEqualTo("error");

        FerryException custom = failure(caller.call("refuses", Map.of("n", 7), CALL_TIMEOUT));
        assertThat(custom.code()).isEqualTo("callee_error");
        assertThat(custom.getMessage()).isEqualTo("try later");
        assertThat(custom.calleeCode()).isEqualTo("quota_exceeded");
        assertThat(custom.data().get("data").get("n").asInt()).isEqualTo(7);
    }

    @Test
    void failedStageFailsWithCalleeError() throws Exception {
        callee.register("async.fails", args -> CompletableFuture.failedFuture(new IllegalStateException("boom")))
                .get(TIMEOUT_S, TimeUnit.SECONDS);
        FerryException e = failure(caller.call("async.fails", null, CALL_TIMEOUT));
        assertThat(e.code()).isEqualTo("callee_error");
        assertThat(e.getMessage()).isEqualTo("boom");
    }

    @Test
    void unregisterStopsRouting() throws Exception {
        Registration r = callee.register("temp", args -> 1).get(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(caller.call("temp", null, CALL_TIMEOUT).get(TIMEOUT_S, TimeUnit.SECONDS).asInt()).isEqualTo(1);
        r.unregister().get(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(failure(caller.call("temp", null, CALL_TIMEOUT)).code()).isEqualTo("no_such_procedure");
    }

    @Test
    void registeringTwiceOnOneClientIsRefused() throws Exception {
        callee.register("twice", args -> 1).get(TIMEOUT_S, TimeUnit.SECONDS);
        Throwable t = catchThrowable(() -> callee.register("twice", args -> 2).get(TIMEOUT_S, TimeUnit.SECONDS));
        assertThat(t).hasCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    void handlerMayBlockOnTheClientsOwnCalls() throws Exception {
        // The dispatch thread waits for a reply, which is completed on the network thread: no deadlock.
        // ("inner" lives on another client: a call routed back to the blocked client itself would wait forever.)
        caller.register("inner", args -> "inner-result").get(TIMEOUT_S, TimeUnit.SECONDS);
        callee.register("outer", args -> callee.call("inner", null, CALL_TIMEOUT).get(TIMEOUT_S, TimeUnit.SECONDS))
                .get(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(caller.call("outer", null, CALL_TIMEOUT).get(TIMEOUT_S, TimeUnit.SECONDS).asText())
                .isEqualTo("inner-result");
    }

    @Test
    void commandsAfterCloseFailWithClientClosed() {
        caller.close();
        assertThat(failure(caller.call("x", null, CALL_TIMEOUT)).code()).isEqualTo(FerryException.CLIENT_CLOSED);
        assertThat(failure(caller.publishAck("x", 1)).code()).isEqualTo(FerryException.CLIENT_CLOSED);
        assertThat(failure(caller.subscribe("x", m -> { })).code()).isEqualTo(FerryException.CLIENT_CLOSED);
    }
}
