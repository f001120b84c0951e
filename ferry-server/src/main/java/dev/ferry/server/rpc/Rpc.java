package dev.ferry.server.rpc;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.Payload;
import dev.ferry.server.config.RpcConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Procedure registry and pending calls. Thread-safe: callers, callees and timeouts may live on different event
 * loops; every outcome is settled exactly once by whoever removes the pending call first.
 */
public final class Rpc {
    private final RpcConfig config;
    private final ConcurrentHashMap<String, Callees> procedures = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextInvocation = new AtomicLong();
    private final Counter calls;
    private final Timer succeeded;
    private final java.util.Map<ErrorCode, Timer> failed = new java.util.EnumMap<>(ErrorCode.class);

    /** Routing with its meters in a private registry. */
    public Rpc(RpcConfig config) {
        this(config, new SimpleMeterRegistry());
    }

    /** Routing with its meters ({@code ferry.rpc.*}) in {@code meters}. */
    public Rpc(RpcConfig config, MeterRegistry meters) {
        this.config = config;
        this.calls = Counter.builder("ferry.rpc.calls").description("calls routed or refused").register(meters);
        this.succeeded = Timer.builder("ferry.rpc.duration").tag("outcome", "result")
                .description("time from call to outcome").register(meters);
        for (ErrorCode c : new ErrorCode[] {ErrorCode.NO_SUCH_PROCEDURE, ErrorCode.CALL_TIMEOUT, ErrorCode.CALLEE_GONE,
                ErrorCode.CALLEE_ERROR}) {
            failed.put(c, Timer.builder("ferry.rpc.duration").tag("outcome", c.wire())
                    .description("time from call to outcome").register(meters));
        }
        Gauge.builder("ferry.rpc.pending", pending, java.util.Map::size).description("calls waiting for a reply")
                .register(meters);
    }

    public RpcConfig config() {
        return config;
    }

    /** The callees of one procedure, picked round-robin. */
    private static final class Callees {
        volatile Callee[] members = new Callee[0];
        final AtomicInteger next = new AtomicInteger();

        Callee pick() {
            Callee[] m = members;
            return m.length == 0 ? null : m[Math.floorMod(next.getAndIncrement(), m.length)];
        }
    }

    private record Pending(Caller caller, long requestId, Callee callee, ScheduledFuture<?> timeout, long startNanos) {
        long elapsed() {
            return System.nanoTime() - startNanos;
        }
    }

    /** Adds {@code callee} to the procedure's callees (no effect when already there). */
    public void register(String proc, Callee callee) {
        procedures.compute(proc, (k, cs) -> {
            Callees c = cs == null ? new Callees() : cs;
            if (Arrays.stream(c.members).noneMatch(m -> m == callee)) {
                Callee[] next = Arrays.copyOf(c.members, c.members.length + 1);
                next[next.length - 1] = callee;
                c.members = next;
            }
            return c;
        });
    }

    /** Removes {@code callee} from the procedure; calls already routed to it may still be answered. */
    public void unregister(String proc, Callee callee) {
        procedures.computeIfPresent(proc, (k, c) -> {
            Callee[] next = Arrays.stream(c.members).filter(m -> m != callee).toArray(Callee[]::new);
            c.members = next;
            return next.length == 0 ? null : c;
        });
    }

    /** Whether any callee has registered {@code proc}. */
    public boolean isRegistered(String proc) {
        return procedures.containsKey(proc);
    }

    /**
     * Routes a call. Called on the caller's event loop. Returns the invocation id, or 0 when nobody has registered
     * {@code proc}, in which case the caller has been told {@code no_such_procedure}.
     */
    public long call(Caller caller, long requestId, String proc, Payload args, long timeoutMs) {
        calls.increment();
        Callees cs = procedures.get(proc);
        Callee callee = cs == null ? null : cs.pick();
        if (callee == null) {
            failed.get(ErrorCode.NO_SUCH_PROCEDURE).record(0, TimeUnit.NANOSECONDS);
            caller.callFailed(requestId, ErrorCode.NO_SUCH_PROCEDURE, "no callee has registered \"" + proc + "\"", null);
            return 0;
        }
        long id = nextInvocation.incrementAndGet();
        ScheduledFuture<?> timeout = caller.executor().schedule(() -> timedOut(id, timeoutMs), timeoutMs, TimeUnit.MILLISECONDS);
        pending.put(id, new Pending(caller, requestId, callee, timeout, System.nanoTime()));
        callee.executor().execute(() -> callee.invoke(id, proc, args));
        return id;
    }

    private void timedOut(long id, long timeoutMs) {
        Pending p = pending.remove(id);
        if (p != null) {
            failed.get(ErrorCode.CALL_TIMEOUT).record(p.elapsed(), TimeUnit.NANOSECONDS);
            p.caller.callFailed(p.requestId, ErrorCode.CALL_TIMEOUT, "no reply within " + timeoutMs + " ms", null);
        }
    }

    /**
     * A callee's reply. Ignored when the invocation is unknown, already settled, or was not routed to this callee.
     * Exactly one of {@code data} and {@code error} is non-null.
     */
    public void reply(Callee from, long invocationId, Payload data, Frame.ErrorBody error) {
        Pending p = pending.get(invocationId);
        if (p == null || p.callee != from || !pending.remove(invocationId, p)) {
            return;
        }
        p.timeout.cancel(false);
        (error == null ? succeeded : failed.get(ErrorCode.CALLEE_ERROR)).record(p.elapsed(), TimeUnit.NANOSECONDS);
        if (error == null) {
            p.caller.executor().execute(() -> p.caller.callSucceeded(p.requestId, data));
        } else {
            Payload detail = calleeErrorData(error);
            p.caller.executor().execute(() -> p.caller.callFailed(p.requestId, ErrorCode.CALLEE_ERROR,
                    error.message(), detail));
        }
    }

    /** {@code {"code": <callee's code>, "data": <callee's data>}}, as relayed to the caller. */
    private static Payload calleeErrorData(Frame.ErrorBody error) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("{\"code\":".getBytes(StandardCharsets.UTF_8));
        out.writeBytes(FrameCodec.quote(error.code()));
        if (error.data() != null && !error.data().isBinary()) {
            out.writeBytes(",\"data\":".getBytes(StandardCharsets.UTF_8));
            out.writeBytes(error.data().bytes());
        }
        out.write('}');
        return Payload.json(out.toByteArray());
    }

    /** The callee went away before answering these invocations: their callers get {@code callee_gone}. */
    public void calleeGone(Iterable<Long> invocationIds) {
        for (long id : invocationIds) {
            Pending p = pending.remove(id);
            if (p != null) {
                p.timeout.cancel(false);
                failed.get(ErrorCode.CALLEE_GONE).record(p.elapsed(), TimeUnit.NANOSECONDS);
                p.caller.executor().execute(() -> p.caller.callFailed(p.requestId, ErrorCode.CALLEE_GONE,
                        "the callee disconnected before replying", null));
            }
        }
    }

    /** The caller went away: forget its calls (a late reply is dropped). */
    public void callerGone(Iterable<Long> invocationIds) {
        for (long id : invocationIds) {
            Pending p = pending.remove(id);
            if (p != null) {
                p.timeout.cancel(false);
            }
        }
    }

    /** Number of calls waiting for a reply. */
    public int pendingCalls() {
        return pending.size();
    }
}
