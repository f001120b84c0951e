package dev.ferry.server.engine;

import dev.ferry.protocol.CancelMode;
import dev.ferry.protocol.Payload;

/**
 * RPC between nodes, provided by an engine that spans several nodes. {@link dev.ferry.server.rpc.Rpc} tells it
 * which procedures have callees on this node, and hands it the calls for which this node has none.
 */
public interface RemoteProcedures {
    /**
     * This node now has at least one callee of {@code proc} (a procedure, or a procedure pattern). The stage completes once other nodes can route calls
     * here (exceptionally when the backend could not be told; the registration is renewed later).
     */
    java.util.concurrent.CompletionStage<Void> registered(String proc);

    /** This node no longer has any callee of {@code proc}. */
    void unregistered(String proc);

    /**
     * Routes an invocation to a callee on another node. Its progressive results (when {@code progress}) come back
     * through {@link NodeCalls#remoteProgress}, then exactly one outcome through {@link NodeCalls#remoteSucceeded}
     * or {@link NodeCalls#remoteFailed} (with {@code no_such_procedure} when no other node has a callee), unless
     * the call has been settled meanwhile ({@link #cancel}). Called on any thread; must not block.
     */
    void invoke(long invocationId, String proc, Payload args, long timeoutMs, boolean progress);

    /**
     * As {@link #invoke(long, String, Payload, long, boolean)}, to a node with a callee of {@code registration}: the
     * procedure itself, or a prefix or wildcard pattern of it (docs/wamp.md, pattern-based registrations), which
     * the chosen node then matches {@code proc} against. The default reaches exact registrations only.
     */
    default void invoke(long invocationId, String proc, String registration, Payload args, long timeoutMs,
                        boolean progress) {
        invoke(invocationId, proc, args, timeoutMs, progress);
    }

    /**
     * As {@link #invoke(long, String, String, Payload, long, boolean)}, with the caller when it disclosed itself
     * ({@code disclosed}, else null), which the chosen node hands its callee. The default does not carry it.
     */
    default void invoke(long invocationId, String proc, String registration, Payload args, long timeoutMs,
                        boolean progress, DisclosedCaller disclosed) {
        invoke(invocationId, proc, registration, args, timeoutMs, progress);
    }

    /**
     * The call is over for this node or is being canceled: with {@link CancelMode#SKIP} forget where it went and
     * tell nobody (it was settled here: canceled, timed out); otherwise have its node interrupt the callee in
     * {@code mode}. With {@link CancelMode#KILL} the outcome still comes back; with the other modes it is not
     * needed. Called on any thread; must not block.
     */
    void cancel(long invocationId, CancelMode mode);

    /**
     * The procedures registered on any node of the cluster, each node's counts summed, at most a few seconds old;
     * null when not known yet (then this node's own are shown).
     */
    default java.util.List<ProcedureStats> clusterProcedures() {
        return null;
    }
}
