package dev.ferry.server.engine;

import dev.ferry.protocol.CancelMode;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Payload;
import io.netty.util.concurrent.EventExecutor;
import java.util.Set;

/**
 * What an engine that spans several nodes needs of this node's procedure registry: the procedures served here (to
 * advertise them), calls other nodes route here (and their cancels), and the progress and outcomes of calls this
 * node routed elsewhere. The server hands it to {@link Engine#start}; an engine of one node ignores it.
 */
public interface NodeCalls {
    /** The procedures that at least one connection of this node has registered. */
    Set<String> localProcedures();

    /** The procedures with callees on this node, with their counts, in name order. */
    java.util.List<ProcedureStats> registered();

    /**
     * Runs a call that another node routed here: its progress (when {@code progress}) and outcome go to
     * {@code replies}, under {@code invocationId}; {@code disclosed} is the caller when it disclosed itself (else
     * null), for the callee's invocation. Returns this node's id of the call, by which
     * {@link #cancelFromNode} names it, or 0 when no callee of this node has {@code proc} (the outcome is then
     * already on its way).
     */
    long callFromNode(Replies replies, long invocationId, String proc, Payload args, long timeoutMs, boolean progress,
                      DisclosedCaller disclosed);

    /** The caller's node canceled a call it routed here ({@code localId} as {@link #callFromNode} returned it). */
    void cancelFromNode(long localId, CancelMode mode);

    /** A progressive result of a call this node routed elsewhere ({@link RemoteProcedures#invoke}). */
    void remoteProgress(long invocationId, Payload data);

    /** A call this node routed elsewhere succeeded. */
    void remoteSucceeded(long invocationId, Payload data);

    /** A call this node routed elsewhere failed. */
    void remoteFailed(long invocationId, ErrorCode code, String message, Payload data);

    /** Where the progress and outcome of a call from another node go: back to that node. */
    interface Replies {
        /** The executor on which the progress and outcome are delivered. */
        EventExecutor executor();

        void progress(long invocationId, Payload data);

        void succeeded(long invocationId, Payload result);

        void failed(long invocationId, ErrorCode code, String message, Payload data);
    }
}
