package dev.ferry.server.rpc;

import dev.ferry.protocol.CancelMode;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.InvokePolicy;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.Topics;
import dev.ferry.server.config.RpcConfig;
import dev.ferry.server.engine.DisclosedCaller;
import dev.ferry.server.engine.NodeCalls;
import dev.ferry.server.engine.ProcedureStats;
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
import java.util.concurrent.ThreadLocalRandom;
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
    /** The keys of {@link #procedures} that are patterns (prefix or wildcard registrations). */
    private final java.util.Set<String> patterns = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextInvocation = new AtomicLong();
    private volatile RemoteProcedures remote;
    /** Procedures served by HTTP backends ({@code hooks.rpc.*}); null when none are configured. */
    private volatile HttpProcedures http;
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

    /**
     * Serves the procedures of {@code http}'s rules by their backends, ahead of any callee (docs/hooks.md, "RPC
     * served by HTTP"). Set once, before the first call.
     */
    /** The procedures served over HTTP (null: none). */
    public HttpProcedures http() {
        return http;
    }

    public void http(HttpProcedures http) {
        this.http = http;
    }

    /** The procedures and procedure patterns (prefix and wildcard registrations) with a callee on this node. */
    @Override
    public java.util.Set<String> localProcedures() {
        return java.util.Set.copyOf(procedures.keySet());
    }

    /**
     * The callees of one procedure in the order they registered, and the policy they share. A pick follows the
     * policy; {@link InvokePolicy#ROUNDROBIN} with {@link RpcConfig.Routing#LOCAL_FIRST} takes turns among those
     * on the caller's own event loop when there are any (no task and no wake-up of another thread, on the way
     * there or back). Copy-on-write: registrations are rare, picks are per call.
     */
    private static final class Callees {
        private static final Callee[] NONE = new Callee[0];
        volatile Callee[] members = NONE;
        /** Set with the first member; changed only by the sole member registering again. */
        volatile InvokePolicy policy = InvokePolicy.DEFAULT;
        /** {@link #members} by event loop; rebuilt with them. */
        private volatile java.util.Map<EventExecutor, Callee[]> byLoop = java.util.Map.of();
        private final AtomicInteger next = new AtomicInteger();
        /** Calls routed to this node's callees of the procedure, for {@link #procedures}. */
        final CallRate rate;

        Callees(CallRate rate) {
            this.rate = rate;
        }

        Callee pick(EventExecutor callerLoop, boolean localFirst) {
            Callee[] m = members;
            if (m.length == 0) {
                return null;
            }
            return switch (policy) {
                case SINGLE, FIRST -> m[0];
                case LAST -> m[m.length - 1];
                case RANDOM -> m[ThreadLocalRandom.current().nextInt(m.length)];
                case ROUNDROBIN -> {
                    Callee[] local = localFirst ? byLoop.get(callerLoop) : null;
                    Callee[] among = local != null ? local : m;
                    yield among[Math.floorMod(next.getAndIncrement(), among.length)];
                }
            };
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

    /**
     * A call in flight; {@code callee} is null when it was routed to another node. {@code progress}: the caller
     * takes progressive results. {@code killed}: the caller canceled it with {@link CancelMode#KILL} and waits for
     * the callee's reply, an error of which reaches it as {@code canceled}.
     */
    private record Pending(Caller caller, long requestId, Callee callee, ScheduledFuture<?> timeout, long startNanos,
                           boolean progress, boolean killed) {
        Pending kill() {
            return new Pending(caller, requestId, callee, timeout, startNanos, progress, true);
        }
    }

    /** A {@code register} the procedure's registrations on this node do not admit ({@code procedure_exists}). */
    public static final class RegistrationRefused extends Exception {
        RegistrationRefused(String message) {
            super(message, null, false, false);
        }
    }

    /** Adds {@code callee} to the procedure with the default policy; see {@link #register(String, Callee, InvokePolicy)}. */
    public java.util.concurrent.CompletionStage<Void> register(String proc, Callee callee) throws RegistrationRefused {
        return register(proc, callee, InvokePolicy.DEFAULT);
    }

    /**
     * Adds {@code callee} to the procedure (no effect when already there), whose callees on this node all share
     * {@code policy}: refused when the procedure has another callee and either of them is
     * {@link InvokePolicy#SINGLE} or their policies differ; the sole callee registering again sets the policy. The
     * stage completes once calls from other nodes can reach it too (at once without a cluster, or when this node
     * already had a callee of it); it never completes exceptionally.
     */
    public java.util.concurrent.CompletionStage<Void> register(String proc, Callee callee, InvokePolicy policy)
            throws RegistrationRefused {
        HttpProcedures h = http;
        // a pattern registration (WAMP) may overlap a rule: the names the rule matches still go to the backend
        String hook = h == null || dev.ferry.protocol.Topics.hasWildcard(proc) ? null : h.servedBy(proc);
        if (hook != null) {
            throw new RegistrationRefused("\"" + proc + "\" is served over HTTP by hooks.rpc." + hook);
        }
        boolean[] first = new boolean[1];
        String[] refused = new String[1];
        procedures.compute(proc, (k, cs) -> {
            first[0] = cs == null;
            Callees c = cs == null ? new Callees(new CallRate(clock)) : cs;
            boolean member = Arrays.stream(c.members).anyMatch(m -> m == callee);
            boolean alone = c.members.length == 0 || (member && c.members.length == 1);
            if (alone) {
                c.policy = policy;
            } else if (c.policy == InvokePolicy.SINGLE || policy == InvokePolicy.SINGLE) {
                refused[0] = "\"" + proc + "\" has another callee and is registered \"single\"";
                return c;
            } else if (c.policy != policy) {
                refused[0] = "\"" + proc + "\" is registered with the invocation policy \"" + c.policy.wire()
                        + "\", not \"" + policy.wire() + "\"";
                return c;
            }
            if (!member) {
                Callee[] next = Arrays.copyOf(c.members, c.members.length + 1);
                next[next.length - 1] = callee;
                c.members(next);
            }
            return c;
        });
        if (refused[0] != null) {
            throw new RegistrationRefused(refused[0]);
        }
        boolean pattern = Topics.hasWildcard(proc);
        if (pattern) {
            patterns.add(proc);
        }
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
        boolean pattern = Topics.hasWildcard(proc);
        if (last[0] && pattern) {
            patterns.remove(proc);
        }
        RemoteProcedures r = remote;
        if (last[0] && r != null) {
            r.unregistered(proc);
        }
    }

    @Override
    public java.util.List<ProcedureStats> registered() {
        java.util.List<ProcedureStats> out = new java.util.ArrayList<>();
        procedures.forEach((proc, c) -> {
            int n = c.members.length;
            if (n > 0) {
                out.add(new ProcedureStats(proc, n, c.policy, c.rate.total(), c.rate.perSecond()));
            }
        });
        out.sort(java.util.Comparator.comparing(ProcedureStats::proc));
        return out;
    }

    /** Most procedures one listing names; {@code truncated} says when there were more. */
    public static final int MAX_LISTED = 1000;

    /**
     * The answer to a procedure listing (docs/protocol.md, "procedures"): the procedures named {@code prefix} or
     * under it ({@code ""}: all) that {@code mayCall} admits, cluster-wide when the cluster's are known, as
     * {@code {"prefix", "procedures": [{"proc", "callees", "invoke", "calls", "rate"}], "truncated"}}. The rules of
     * procedures served over HTTP come first, each with its pattern as {@code proc}, {@code "callee": "http"} and
     * {@code "hook"}, listed when the pattern is at or under {@code prefix} or matches it.
     */
    public Payload listJson(String prefix, java.util.function.Predicate<String> mayCall) {
        RemoteProcedures r = remote;
        java.util.List<ProcedureStats> all = r == null ? null : r.clusterProcedures();
        if (all == null) {
            all = registered();
        }
        StringBuilder b = new StringBuilder("{\"prefix\":")
                .append(new String(FrameCodec.quote(prefix), StandardCharsets.UTF_8)).append(",\"procedures\":[");
        int listed = 0;
        boolean truncated = false;
        HttpProcedures h = http;
        for (HttpProcedures.Listed l : h == null ? java.util.List.<HttpProcedures.Listed>of() : h.listed()) {
            ProcedureStats p = l.stats();
            boolean under = prefix.isEmpty() || p.proc().equals(prefix) || p.proc().startsWith(prefix + ".")
                    || dev.ferry.protocol.Topics.matches(p.proc(), prefix);
            if (!under || !mayCall.test(p.proc())) {
                continue;
            }
            if (listed == MAX_LISTED) {
                truncated = true;
                break;
            }
            appendListed(b, listed++, p);
            b.setLength(b.length() - 1);
            b.append(",\"callee\":\"http\",\"hook\":")
                    .append(new String(FrameCodec.quote(l.hook()), StandardCharsets.UTF_8)).append('}');
        }
        for (ProcedureStats p : all) {
            boolean under = prefix.isEmpty() || p.proc().equals(prefix) || p.proc().startsWith(prefix + ".");
            if (!under || !mayCall.test(p.proc())) {
                continue;
            }
            if (listed == MAX_LISTED) {
                truncated = true;
                break;
            }
            appendListed(b, listed++, p);
        }
        b.append("],\"truncated\":").append(truncated).append('}');
        return Payload.json(b.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** One entry of a listing, {@code {"proc", "callees", "invoke", "calls", "rate"}}, after {@code index} others. */
    private static void appendListed(StringBuilder b, int index, ProcedureStats p) {
        b.append(index == 0 ? "{" : ",{").append("\"proc\":")
                .append(new String(FrameCodec.quote(p.proc()), StandardCharsets.UTF_8))
                .append(",\"callees\":").append(p.callees()).append(",\"invoke\":\"").append(p.invoke().wire())
                .append("\",\"calls\":").append(p.calls()).append(",\"rate\":")
                .append(Math.round(p.callsPerSecond() * 1000) / 1000.0).append('}');
    }

    /** Whether any callee has registered {@code proc}, or a backend serves it over HTTP. */
    public boolean isRegistered(String proc) {
        HttpProcedures h = http;
        return procedures.containsKey(proc) || (h != null && h.servedBy(proc) != null);
    }

    /** A call without progressive results; see {@link #call(Caller, long, String, Payload, long, boolean)}. */
    public long call(Caller caller, long requestId, String proc, Payload args, long timeoutMs) {
        return call(caller, requestId, proc, args, timeoutMs, false);
    }

    /**
     * Routes a call: to a callee on this node (picked by the procedure's {@link InvokePolicy}) when there is one,
     * else, with a {@link #remote(RemoteProcedures) remote} router, to another node. Called on the caller's event
     * loop. With {@code progress} the caller takes progressive results ({@link Caller#callProgress}). Returns the
     * invocation id (by which the caller may {@link #cancel} it), or 0 when nobody has registered {@code proc}, in
     * which case the caller has been told {@code no_such_procedure} (for a call routed to another node, that
     * answer may come later).
     */
    public long call(Caller caller, long requestId, String proc, Payload args, long timeoutMs, boolean progress) {
        return route(caller, requestId, proc, args, timeoutMs, progress, remote);
    }

    /**
     * A call that another node routed here: only callees of this node are considered. {@code caller} answers the
     * other node.
     */
    public long callFromRemote(Caller caller, long requestId, String proc, Payload args, long timeoutMs, boolean progress,
                               DisclosedCaller disclosed) {
        return route(caller, requestId, proc, args, timeoutMs, progress, null, disclosed);
    }

    @Override
    public long callFromNode(NodeCalls.Replies replies, long invocationId, String proc, Payload args, long timeoutMs,
                             boolean progress, DisclosedCaller disclosed) {
        return callFromRemote(new Caller() {
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

            @Override
            public void callProgress(long requestId, Payload data) {
                replies.progress(requestId, data);
            }
        }, invocationId, proc, args, timeoutMs, progress, disclosed);
    }

    @Override
    public void cancelFromNode(long localId, CancelMode mode) {
        cancel(localId, mode);
    }

    /**
     * The registration a call of {@code proc} goes to on this node: the exact one, else the prefix pattern
     * ({@code <prefix>.#}) with the longest prefix, else the wildcard pattern with the most literal words (then
     * the first in string order); null when none matches.
     */
    public String matchRegistration(String proc) {
        if (procedures.containsKey(proc)) {
            return proc;
        }
        return patterns.isEmpty() ? null : bestPattern(patterns, proc);
    }

    /**
     * The registration a call of {@code proc} made on this node goes to in the cluster: this node's exact one, else
     * another node's exact one, else the best pattern ({@link #matchRegistration}'s precedence) of any node, this
     * one's included; null when none is known. Other nodes' registrations are as the engine last gathered them
     * ({@link RemoteProcedures#clusterProcedures}, a heartbeat old); without a cluster, this node's.
     */
    public String matchRegistrationInCluster(String proc) {
        if (procedures.containsKey(proc)) {
            return proc;
        }
        ClusterRegistrations known = clusterRegistrations();
        if (known == null) {
            return matchRegistration(proc);
        }
        if (known.exact.contains(proc)) {
            return proc;
        }
        if (known.patterns.isEmpty() && patterns.isEmpty()) {
            return null;
        }
        java.util.Set<String> all = new java.util.HashSet<>(known.patterns);
        all.addAll(patterns);
        return bestPattern(all, proc);
    }

    /** The cluster's registrations as of one gathering: exact procedures and patterns. */
    private record ClusterRegistrations(java.util.List<ProcedureStats> of, java.util.Set<String> exact,
                                        java.util.Set<String> patterns) {
    }

    private volatile ClusterRegistrations clusterRegistrations;

    /** The cluster's registrations as the engine last gathered them, indexed once per gathering; null unknown. */
    private ClusterRegistrations clusterRegistrations() {
        RemoteProcedures r = remote;
        java.util.List<ProcedureStats> all = r == null ? null : r.clusterProcedures();
        if (all == null) {
            return null;
        }
        ClusterRegistrations known = clusterRegistrations;
        if (known != null && known.of == all) {
            return known;
        }
        java.util.Set<String> exact = new java.util.HashSet<>();
        java.util.Set<String> pats = new java.util.HashSet<>();
        for (ProcedureStats p : all) {
            (Topics.hasWildcard(p.proc()) ? pats : exact).add(p.proc());
        }
        known = new ClusterRegistrations(all, exact, pats);
        clusterRegistrations = known;
        return known;
    }

    /** Of {@code candidates}, the pattern a call of {@code proc} goes to ({@link #matchRegistration}), or null. */
    private static String bestPattern(java.util.Collection<String> candidates, String proc) {
        String best = null;
        int bestRank = -1;
        for (String p : candidates) {
            if (!Topics.hasWildcard(p) || !Topics.matches(p, proc)) {
                continue;
            }
            boolean prefix = p.endsWith("." + Topics.ANY_WORDS) && !Topics.hasWildcard(p.substring(0, p.length() - 2));
            // prefix patterns rank above wildcard patterns; within each, more literal words rank higher
            int literal = 0;
            for (String w : p.split("\\.")) {
                if (!w.equals(Topics.ANY_WORDS) && !w.equals(Topics.ONE_WORD)) {
                    literal++;
                }
            }
            int rank = (prefix ? 1 << 16 : 0) + literal;
            if (rank > bestRank || (rank == bestRank && p.compareTo(best) < 0)) {
                best = p;
                bestRank = rank;
            }
        }
        return best;
    }

    private long route(Caller caller, long requestId, String proc, Payload args, long timeoutMs, boolean progress,
                       RemoteProcedures via) {
        return route(caller, requestId, proc, args, timeoutMs, progress, via, null);
    }

    /**
     * A call whose caller discloses itself to the callee ({@code caller}); see
     * {@link #call(Caller, long, String, Payload, long, boolean)}. The disclosure reaches callees on this node and,
     * through the engine, on others.
     */
    public long call(Caller caller, long requestId, String proc, Payload args, long timeoutMs, boolean progress,
                     DisclosedCaller disclosed) {
        return route(caller, requestId, proc, args, timeoutMs, progress, remote, disclosed);
    }

    private long route(Caller caller, long requestId, String proc, Payload args, long timeoutMs, boolean progress,
                       RemoteProcedures via, DisclosedCaller disclosed) {
        calls.increment();
        HttpProcedures h = http;
        HttpProcedures.Rule served = h == null ? null : h.match(proc);
        String registered = proc;
        String remotePattern = null; // a pattern registration of another node that the call goes to
        Callee callee;
        if (served != null) {
            callee = h.callee(this, served, caller); // a backend serves it, on every node: never routed elsewhere
            via = null;
        } else {
            Callees cs = procedures.get(proc);
            if (cs == null && via != null) {
                // the cluster's precedence: another node's exact registration goes before a pattern of this one
                String target = matchRegistrationInCluster(proc);
                if (target != null && !target.equals(proc)) {
                    cs = procedures.get(target);
                    if (cs == null) {
                        remotePattern = target;
                    } else {
                        registered = target;
                    }
                }
            } else if (cs == null && !patterns.isEmpty()) {
                String target = matchRegistration(proc);
                cs = target == null ? null : procedures.get(target);
                registered = target == null ? proc : target;
            }
            callee = cs == null ? null : cs.pick(caller.executor(), localFirst);
            if (callee != null) {
                cs.rate.add();
            }
        }
        if (callee == null && via == null) {
            failed.get(ErrorCode.NO_SUCH_PROCEDURE).record(0, TimeUnit.NANOSECONDS);
            caller.callFailed(requestId, ErrorCode.NO_SUCH_PROCEDURE, "no callee has registered \"" + proc + "\"", null);
            return 0;
        }
        long id = nextInvocation.incrementAndGet();
        ScheduledFuture<?> timeout = clock.schedule(caller.executor(), () -> timedOut(id, timeoutMs), timeoutMs,
                TimeUnit.MILLISECONDS);
        pending.put(id, new Pending(caller, requestId, callee, timeout, clock.nanoTime(), progress, false));
        if (callee == null) {
            via.invoke(id, proc, remotePattern != null ? remotePattern : proc, args, timeoutMs, progress, disclosed);
            return id;
        }
        Invocation invocation = new Invocation(id, proc, args, progress, timeoutMs, registered, disclosed);
        if (callee.executor().inEventLoop()) {
            callee.invoke(invocation); // same event loop as the caller: no task, no hop
        } else {
            handoff.execute(callee.executor(), () -> callee.invoke(invocation));
        }
        return id;
    }

    /**
     * Cancels a call in flight (docs/protocol.md, "progress and cancel"); called on its caller's event loop, for
     * an invocation id {@link #call} returned to that caller. {@link CancelMode#SKIP} and
     * {@link CancelMode#KILLNOWAIT} settle it with {@code canceled} at once, the latter interrupting the callee;
     * {@link CancelMode#KILL} interrupts the callee and leaves the call to its reply (or its timeout). Returns
     * whether the call was still in flight.
     */
    public boolean cancel(long invocationId, CancelMode mode) {
        Pending p = pending.get(invocationId);
        if (p == null) {
            return false;
        }
        if (mode == CancelMode.KILL) {
            if (!p.killed && pending.replace(invocationId, p, p.kill())) {
                interruptCallee(invocationId, p, CancelMode.KILL, "cancel");
            }
            return true;
        }
        if (!pending.remove(invocationId, p)) {
            return false;
        }
        p.timeout.cancel(false);
        observe(p, ErrorCode.CANCELED);
        // skip too: the callee's client is not told, but the callee forgets the invocation, so one that never
        // answers keeps nothing of it; a callee on another node is forgotten there when the call times out
        interruptCallee(invocationId, p, mode, "cancel");
        settle(p, () -> p.caller.callFailed(p.requestId, ErrorCode.CANCELED, "the call was canceled ("
                + mode.wire() + ")", null));
        return true;
    }

    /** Tells the callee of {@code p} (on this node or another) that its invocation is canceled or timed out. */
    private void interruptCallee(long invocationId, Pending p, CancelMode mode, String reason) {
        if (p.callee == null) {
            RemoteProcedures r = remote;
            if (r != null) {
                r.cancel(invocationId, mode);
            }
        } else if (p.callee.executor().inEventLoop()) {
            p.callee.interrupt(invocationId, mode, reason);
        } else {
            handoff.execute(p.callee.executor(), () -> p.callee.interrupt(invocationId, mode, reason));
        }
    }

    /** A call routed to another node was settled here: the engine forgets where it went. */
    private void forgetRemote(long invocationId) {
        RemoteProcedures r = remote;
        if (r != null) {
            r.cancel(invocationId, CancelMode.SKIP);
        }
    }

    /** Runs {@code outcome} on the caller's loop: at once when already there, else behind what went there before. */
    private void settle(Pending p, Runnable outcome) {
        if (p.caller.executor().inEventLoop()) {
            outcome.run();
        } else {
            handoff.execute(p.caller.executor(), outcome);
        }
    }

    /**
     * A callee's progressive result: relayed to the caller when it takes them; ignored when it does not, or when
     * the invocation is unknown, settled, or was not routed to this callee.
     */
    public void progress(Callee from, long invocationId, Payload data) {
        Pending p = pending.get(invocationId);
        if (p == null || p.callee != from || !p.progress) {
            return;
        }
        settle(p, () -> p.caller.callProgress(p.requestId, data));
    }

    /** A progressive result of a call routed to another node. */
    @Override
    public void remoteProgress(long invocationId, Payload data) {
        Pending p = pending.get(invocationId);
        if (p == null || p.callee != null || !p.progress) {
            return;
        }
        handoff.execute(p.caller.executor(), () -> p.caller.callProgress(p.requestId, data));
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
        // the other node settles a killed call's callee error as canceled itself; a failure of its own stays
        ErrorCode outcome = p.killed && code == ErrorCode.CALLEE_ERROR ? ErrorCode.CANCELED : code;
        observe(p, outcome);
        handoff.execute(p.caller.executor(), () -> p.caller.callFailed(p.requestId, outcome, message, data));
    }

    /** The call's time is up: its caller gets {@code call_timeout} and its callee an interrupt. */
    private void timedOut(long id, long timeoutMs) {
        Pending p = pending.remove(id);
        if (p != null) {
            observe(p, ErrorCode.CALL_TIMEOUT);
            if (p.callee == null) {
                forgetRemote(id); // the other node times the call out itself, and interrupts its callee
            } else {
                interruptCallee(id, p, CancelMode.KILLNOWAIT, "timeout");
            }
            p.caller.callFailed(p.requestId, ErrorCode.CALL_TIMEOUT, "no reply within " + timeoutMs + " ms", null);
        }
    }

    /**
     * A callee's reply. Ignored when the invocation is unknown, already settled, or was not routed to this callee.
     * Exactly one of {@code data} and {@code error} is non-null.
     */
    public void reply(Callee from, long invocationId, Payload data, Frame.ErrorBody error) {
        Long key = invocationId; // boxed once for both look-ups
        Pending p = pending.get(key);
        if (p == null || p.callee != from || !pending.remove(key, p)) {
            return;
        }
        ErrorCode failure = error == null ? null : p.killed ? ErrorCode.CANCELED : ErrorCode.CALLEE_ERROR;
        observe(p, failure);
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
                p.caller.callFailed(p.requestId, failure, error.message(), detail);
            };
        }
        // The timeout is cancelled on the caller's loop, where it was scheduled (a cancel from another thread
        // queues one more task there). When the callee shares the caller's loop the result is written at once.
        settle(p, settle);
    }

    /**
     * A callee that could not answer: the caller gets {@code code} (for a call its caller canceled with
     * {@link CancelMode#KILL}, {@code canceled}) with {@code message} and {@code data} (may be null). Ignored as
     * {@link #reply} is.
     */
    public void fail(Callee from, long invocationId, ErrorCode code, String message, Payload data) {
        Pending p = pending.get(invocationId);
        if (p == null || p.callee != from || !pending.remove(invocationId, p)) {
            return;
        }
        ErrorCode failure = p.killed ? ErrorCode.CANCELED : code;
        observe(p, failure);
        settle(p, () -> {
            p.timeout.cancel(false);
            p.caller.callFailed(p.requestId, failure, message, data);
        });
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

    /** The caller went away: forget its calls (a late reply is dropped) and interrupt their callees. */
    public void callerGone(Iterable<Long> invocationIds) {
        for (long id : invocationIds) {
            Pending p = pending.remove(id);
            if (p != null) {
                p.timeout.cancel(false);
                interruptCallee(id, p, CancelMode.KILLNOWAIT, "cancel");
            }
        }
    }

    /** Number of calls waiting for a reply. */
    public int pendingCalls() {
        return pending.size();
    }
}
