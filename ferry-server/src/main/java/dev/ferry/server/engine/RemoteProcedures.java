package dev.ferry.server.engine;

import dev.ferry.protocol.Payload;

/**
 * RPC between nodes, provided by an engine that spans several nodes. {@link dev.ferry.server.rpc.Rpc} tells it
 * which procedures have callees on this node, and hands it the calls for which this node has none.
 */
public interface RemoteProcedures {
    /**
     * This node now has at least one callee of {@code proc}. The stage completes once other nodes can route calls
     * here (exceptionally when the backend could not be told; the registration is renewed later).
     */
    java.util.concurrent.CompletionStage<Void> registered(String proc);

    /** This node no longer has any callee of {@code proc}. */
    void unregistered(String proc);

    /**
     * Routes an invocation to a callee on another node. Exactly one outcome comes back later through
     * {@link dev.ferry.server.rpc.Rpc#remoteSucceeded} or {@link dev.ferry.server.rpc.Rpc#remoteFailed} (with
     * {@code no_such_procedure} when no other node has a callee), unless the call has timed out meanwhile.
     * Called on any thread; must not block.
     */
    void invoke(long invocationId, String proc, Payload args, long timeoutMs);
}
