package dev.ferry.server.engine;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Payload;
import io.netty.util.concurrent.EventExecutor;
import java.util.Set;

/**
 * What an engine that spans several nodes needs of this node's procedure registry: the procedures served here (to
 * advertise them), calls other nodes route here, and the outcomes of calls this node routed elsewhere. The server
 * hands it to {@link Engine#start}; an engine of one node ignores it.
 */
public interface NodeCalls {
    /** The procedures that at least one connection of this node has registered. */
    Set<String> localProcedures();

    /**
     * Runs a call that another node routed here: its outcome goes to {@code replies}, under {@code invocationId}.
     */
    void callFromNode(Replies replies, long invocationId, String proc, Payload args, long timeoutMs);

    /** A call this node routed elsewhere ({@link RemoteProcedures#invoke}) succeeded. */
    void remoteSucceeded(long invocationId, Payload data);

    /** A call this node routed elsewhere failed. */
    void remoteFailed(long invocationId, ErrorCode code, String message, Payload data);

    /** Where the outcome of a call from another node goes: back to that node. */
    interface Replies {
        /** The executor on which the outcome is delivered. */
        EventExecutor executor();

        void succeeded(long invocationId, Payload result);

        void failed(long invocationId, ErrorCode code, String message, Payload data);
    }
}
