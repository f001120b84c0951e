package dev.ferry.server.engine;

import dev.ferry.protocol.Frame;

/** Where an engine hands the publications this node has an interest in: the node's hub. */
public interface Fanout {
    /**
     * Delivers one publication to the matching local subscribers. An engine calls this for each topic in offset
     * order, from one thread at a time per topic; a publication may be handed twice (the hub keeps no state to
     * de-duplicate on behalf of the engine, so engines that may repeat must filter).
     */
    void publication(Frame.Msg msg, boolean lossy);

    /**
     * Publications may have been missed (the connection to the backend was lost and is back): the subscribers of
     * this node can no longer trust that their live stream is complete.
     */
    void interrupted();

    /**
     * Whether a local subscriber holds a pattern matching {@code topic}: an engine keeps such a topic (and its
     * epoch) even when it retains nothing. Callable from any thread; lock-free and non-blocking.
     */
    default boolean hasSubscribers(String topic) {
        return true;
    }

    /** This node's subscriptions: subscriber count per pattern (for a cluster-wide topic index). */
    default java.util.Map<String, Integer> patternCounts() {
        return java.util.Map.of();
    }
}
