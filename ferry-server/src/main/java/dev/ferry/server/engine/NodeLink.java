package dev.ferry.server.engine;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Requests from one node to the others of its cluster, for the server API (docs/http-api.md, "Server API"): list
 * every node's connections, close or subscribe a connection on whichever node holds it. Provided by an engine that
 * spans several nodes ({@link Engine#nodeLink}); a node asks itself through the same {@link Handler}.
 *
 * <p>Requests and replies are opaque bytes (the server API's JSON). No method blocks; a node that does not answer
 * within the timeout is reported without a body, never waited for longer.
 */
public interface NodeLink {
    /** Answers one request, from another node or this one, on any thread; a failed stage counts as no answer. */
    interface Handler {
        CompletionStage<byte[]> answer(byte[] request);
    }

    /** A node's answer to a request: {@code body} null when it gave none in time. */
    record Reply(String node, byte[] body) {
        public boolean answered() {
            return body != null;
        }
    }

    /** The node names of the cluster that are alive now (this one included), in name order. */
    CompletionStage<List<String>> nodes();

    /** Asks every live node (this one included); completes, by {@code timeout} at the latest, with a reply per node, in name order. */
    CompletionStage<List<Reply>> askAll(byte[] request, Duration timeout);

    /**
     * Asks one node; completes, by {@code timeout} at the latest, with its reply, or with null when no live node has
     * that name.
     */
    CompletionStage<Reply> ask(String node, byte[] request, Duration timeout);

    /**
     * Sends {@code request} to every other live node, whose {@link Handler} runs it and whose answer is dropped: a
     * notice, for which nobody waits. Never blocks; a node that cannot be reached misses it.
     */
    void tellOthers(byte[] request);
}
