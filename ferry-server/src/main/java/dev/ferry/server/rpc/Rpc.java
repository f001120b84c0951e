package dev.ferry.server.rpc;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.Payload;
import dev.ferry.server.config.RpcConfig;
import dev.ferry.server.engine.NodeCalls;
import dev.ferry.server.engine.RemoteProcedures;
import dev.ferry.server.loop.Handoff;
import dev.ferry.server.time.ServerClock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.util.concurrent.EventExecutor;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Procedure registry and pending calls. Thread-safe: callers, callees and timeouts may live on different event
 * loops; every outcome is settled exactly once by whoever removes the pending call first.
 */
public final class Rpc implements NodeCalls {
    private final RpcConfig config;
    private final boolean localFirst;
    /** The time call timeouts and durations follow. */
    private final ServerClock clock;
    private final ConcurrentHashMap<String, Callees> procedures = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextInvocation = new AtomicLong();
    private volatile RemoteProcedures remote;
    /** Invocations and outcomes crossing to another event loop: one task per loop per run of the sending loop. */
    private final Handoff handoff = new Handoff();

    private final Counter calls;
    private final Timer succeeded;
    private final java.util.Map<ErrorCode, Timer> failed = new java.util.EnumMap<>(ErrorCode.class);

    /** Routing on the system clock with its meters in a private registry. */
    public Rpc(RpcConfig config) {
        this(config, new SimpleMeterRegistry(), ServerClock.system());
    }

    /** Routing with its meters ({@code ferry.rpc.*}) in {@code meters}; calls time out on {@code clock}. */
    public Rpc(RpcConfig config, MeterRegistry meters, ServerClock clock) {
        this.config = config;
        this.clock = clock;
        this.localFirst = config.routing() == RpcConfig.Routing.LOCAL_FIRST;
        this.calls = Counter.builder("ferry.rpc.calls").description("calls routed or refused").register(meters);
        this.succeeded = Timer.builder("ferry.rpc.duration").tag("outcome", "result")
                .description("time from call to outcome").register(meters);
        for (ErrorCode c : ErrorCode.values()) {
            failed.put(c, Timer.builder("ferry.rpc.duration").tag("outcome", c.wire())
                    .description("time from call to outcome").register(meters));
        }
        Gauge.builder("ferry.rpc.pending", pending, java.util.Map::size).description("calls waiting for a reply")
                .register(meters);
    }

    /** Records how a call ended ({@code code} null for a result) and how long it took. */
    private void observe(Pending p, ErrorCode code) {
        (code == null ? succeeded : failed.get(code)).record(clock.nanoTime() - p.startNanos, TimeUnit.NANOSECONDS);
    }

    public RpcConfig config() {
        return config;
    }

    /**
     * Routes calls without a callee on this node to other nodes, and tells them which procedures have callees
     * here. Set once, before the first call.
     */
    public void remote(RemoteProcedures remote) {
        this.remote = remote;
    }

    /** The procedures with at least one callee on this node. */
    @Override
    public java.util.Set<String> localProcedures() {
        return java.util.Set.copyOf(procedures.keySet());
    }

    /**
     * The callees of one procedure, picked round-robin; with {@link RpcConfig.Routing#LOCAL_FIRST} among those
     * on the caller's own event loop when there are any (no task and no wake-up of another thread, on the way
     * there or back). Copy-on-write: registrations are rare, picks are per call.
     */
    private static final class Callees {
        private static final Callee[] NONE = new Callee[0];
        volatile Callee[] members = NONE;
        /** {@link #members} by event loop; rebuilt with them. */
        private volatile java.util.Map<EventExecutor, Callee[]> byLoop = java.util.Map.of();
        private final AtomicInteger next = new AtomicInteger();

        Callee pick(EventExecutor callerLoop, boolean localFirst) {
            Callee[] local = localFirst ? byLoop.get(callerLoop) : null;
            Callee[] m = local != null ? local : members;
            return m.length == 0 ? null : m[Math.floorMod(next.getAndIncrement(), m.length)];
        }

        /** Sets the members (under the registry's lock for this procedure). */
        void members(Callee[] next) {
            java.util.Map<EventExecutor, Callee[]> loops = new java.util.IdentityHashMap<>();
            for (Callee c : next) {
                loops.merge(c.executor(), new Callee[] {c}, (a, b) -> {
                    Callee[] joined = Arrays.copyOf(a, a.length + 1);
                    joined[a.length] = b[0];
                    return joined;
                });
            }
            members = next;
            byLoop = loops;
        }
    }

    /** A call in flight; {@code callee} is null when it was routed to another node. */
    private record Pending(Caller caller, long requestId, Callee callee, ScheduledFuture<?> timeout, long startNanos) {
    }

    /** Adds {@code callee} to the procedure's callees (no effect when already there). */
    /**
     * Adds {@code callee} to the procedure. The stage completes once calls from other nodes can reach it too (at
     * once without a cluster, or when this node already had a callee of it); it never completes exceptionally.
     */
    public java.util.concurrent.CompletionStage<Void> register(String proc, Callee callee) {
        boolean[] first = new boolean[1];
        procedures.compute(proc, (k, cs) -> {
            first[0] = cs == null;
            Callees c = cs == null ? new Callees() : cs;
            if (Arrays.stream(c.members).noneMatch(m -> m == callee)) {
                Callee[] next = Arrays.copyOf(c.members, c.members.length + 1);
                next[next.length - 1] = callee;
                c.members(next);
            }
            return c;
        });
        RemoteProcedures r = remote;
        if (first[0] && r != null) {
            // a backend that could not be told is not the callee's problem: local calls reach it, and the
            // registration is renewed with the node's heartbeat
            return r.registered(proc).exceptionally(e -> null);
        }
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    /** Removes {@code callee} from the procedure; calls already routed to it may still be answered. */
    public void unregister(String proc, Callee callee) {
        boolean[] last = new boolean[1];
        procedures.computeIfPresent(proc, (k, c) -> {
            Callee[] next = Arrays.stream(c.members).filter(m -> m != callee).toArray(Callee[]::new);
            c.members(next);
            last[0] = next.length == 0;
            return last[0] ? null : c;
        });
        RemoteProcedures r = remote;
        if (last[0] && r != null) {
            r.unregistered(proc);
        }
    }

    /** Whether any callee has registered {@code proc}. */
    public boolean isRegistered(String proc) {
        return procedures.containsKey(proc);
    }

    /**
     * Routes a call: to a callee on this node (round-robin among them) when there is one, else, with a
     * {@link #remote(RemoteProcedures) remote} router, to another node. Called on the caller's event loop.
     * Returns the invocation id, or 0 when nobody has registered {@code proc}, in which case the caller has been
     * told {@code no_such_procedure} (for a call routed to another node, that answer may come later).
     */
    public long call(Caller caller, long requestId, String proc, Payload args, long timeoutMs) {
        return route(caller, requestId, proc, args, timeoutMs, remote);
    }

    /**
     * A call that another node routed here: only callees of this node are considered. {@code caller} answers the
     * other node.
     */
    public long callFromRemote(Caller caller, long requestId, String proc, Payload args, long timeoutMs) {
        return route(caller, requestId, proc, args, timeoutMs, null);
    }

    @Override
    public void callFromNode(NodeCalls.Replies replies, long invocationId, String proc, Payload args, long timeoutMs) {
        callFromRemote(new Caller() {
            @Override
            public EventExecutor executor() {
                return replies.executor();
            }

            @Override
            public void callSucceeded(long requestId, Payload result) {
                replies.succeeded(requestId, result);
            }

            @Override
            public void callFailed(long requestId, ErrorCode code, String message, Payload data) {
                replies.failed(requestId, code, message, data);
            }
        }, invocationId, proc, args, timeoutMs);
    }

    private long route(Caller caller, long requestId, String proc, Payload args, long timeoutMs, RemoteProcedures via) {
        calls.increment();
        Callees cs = procedures.get(proc);
        Callee callee = cs == null ? null : cs.pick(caller.executor(), localFirst);
        if (callee == null && via == null) {
            failed.get(ErrorCode.NO_SUCH_PROCEDURE).record(0, TimeUnit.NANOSECONDS);
            caller.callFailed(requestId, ErrorCode.NO_SUCH_PROCEDURE, "no callee has registered \"" + proc + "\"", null);
            return 0;
        }
        long id = nextInvocation.incrementAndGet();
        ScheduledFuture<?> timeout = clock.schedule(caller.executor(), () -> timedOut(id, timeoutMs), timeoutMs,
                TimeUnit.MILLISECONDS);
        pending.put(id, new Pending(caller, requestId, callee, timeout, clock.nanoTime()));
        if (callee == null) {
            via.invoke(id, proc, args, timeoutMs);
        } else if (callee.executor().inEventLoop()) {
            callee.invoke(id, proc, args); // same event loop as the caller: no task, no hop
        } else {
            handoff.execute(callee.executor(), () -> callee.invoke(id, proc, args));
        }
        return id;
    }

    /** The outcome of a call routed to another node: success. Ignored when already settled. */
    @Override
    public void remoteSucceeded(long invocationId, Payload data) {
        Pending p = pending.get(invocationId);
        if (p == null || p.callee != null || !pending.remove(invocationId, p)) {
            return;
        }
        p.timeout.cancel(false);
        observe(p, null);
        handoff.execute(p.caller.executor(), () -> p.caller.callSucceeded(p.requestId, data));
    }

    /**
     * The outcome of a call routed to another node: failure, with the code the other node gave (or
     * {@code no_such_procedure} when no node has a callee). Ignored when already settled.
     */
    @Override
    public void remoteFailed(long invocationId, ErrorCode code, String message, Payload data) {
        Pending p = pending.get(invocationId);
        if (p == null || p.callee != null || !pending.remove(invocationId, p)) {
            return;
        }
        p.timeout.cancel(false);
        observe(p, code);
        handoff.execute(p.caller.executor(), () -> p.caller.callFailed(p.requestId, code, message, data));
    }

    private void timedOut(long id, long timeoutMs) {
        Pending p = pending.remove(id);
        if (p != null) {
            observe(p, ErrorCode.CALL_TIMEOUT);
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
        observe(p, error == null ? null : ErrorCode.CALLEE_ERROR);
        Runnable settle;
        if (error == null) {
            settle = () -> {
                p.timeout.cancel(false);
                p.caller.callSucceeded(p.requestId, data);
            };
        } else {
            Payload detail = calleeErrorData(error);
            settle = () -> {
                p.timeout.cancel(false);
                p.caller.callFailed(p.requestId, ErrorCode.CALLEE_ERROR, error.message(), detail);
            };
        }
        // The timeout is cancelled on the caller's loop, where it was scheduled (a cancel from another thread
        // queues one more task there). When the callee shares the caller's loop the result is written at once.
        if (p.caller.executor().inEventLoop()) {
            settle.run();
        } else {
            handoff.execute(p.caller.executor(), settle);
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
                observe(p, ErrorCode.CALLEE_GONE);
                handoff.execute(p.caller.executor(), () -> p.caller.callFailed(p.requestId, ErrorCode.CALLEE_GONE,
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
