package dev.ferry.rabbitmq;

import dev.ferry.protocol.Payload;
import dev.ferry.protocol.Topics;
import dev.ferry.server.extension.ExtensionConnection;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Remembers which hub publications came in from RabbitMQ, so that the outbound side never sends them back out.
 *
 * <p>Ferry messages carry no metadata to mark, so the mark is the publication's identity, (topic, offset). An
 * inbound publication is made and marked under this object's lock, on the bridge connection's executor; the
 * outbound side checks (and forgets) the mark under the same lock, on that same executor, in a task the hub queues
 * there after the publication. Only topics an outbound pattern matches are marked, and at most {@link #MAX_MARKS}
 * marks are kept (the oldest go first), so a mark whose delivery never comes cannot pile up.
 */
final class LoopGuard {
    static final int MAX_MARKS = 65_536;

    private final ExtensionConnection connection;
    /** Replaced by a reload ({@link #outboundPatterns(List)}). */
    private volatile List<String> outboundPatterns;
    private final LinkedHashSet<String> marks = new LinkedHashSet<>();

    LoopGuard(ExtensionConnection connection, List<String> outboundPatterns) {
        this.connection = connection;
        this.outboundPatterns = List.copyOf(outboundPatterns);
    }

    /**
     * Publishes an inbound message through the bridge's connection, marked as bridged in; on the connection's
     * executor. Returns why the connection's admission refused it (nothing published), or null and completes
     * {@code done} with its offset or the engine's failure. With the in-memory engine the offset is known before
     * this returns, so the mark is in place before the outbound side can look; with an engine that answers later,
     * the mark follows, and a publication that overtakes it is stopped by the origin header instead (see
     * {@link RabbitBridge}).
     */
    String publishInbound(String topic, Payload payload, Map<String, String> tags, CompletableFuture<Long> done) {
        boolean marked = outboundPatterns.stream().anyMatch(p -> Topics.matches(p, topic));
        synchronized (marks) {
            return connection.publish(topic, payload, tags, (offset, failure) -> {
                if (failure != null) {
                    done.completeExceptionally(failure);
                    return;
                }
                if (marked) {
                    synchronized (marks) {
                        mark(topic, offset);
                    }
                }
                done.complete(offset);
            });
        }
    }

    /** A reload: the inbound publications marked from now on are those {@code patterns} match. */
    void outboundPatterns(List<String> patterns) {
        this.outboundPatterns = List.copyOf(patterns);
    }

    private void mark(String topic, long offset) {
        marks.add(key(topic, offset));
        if (marks.size() > MAX_MARKS) {
            Iterator<String> oldest = marks.iterator();
            oldest.next();
            oldest.remove();
        }
    }

    /** Whether the publication came in from RabbitMQ; forgets the mark. Any thread. */
    boolean bridgedIn(String topic, long offset) {
        synchronized (marks) {
            return marks.remove(key(topic, offset));
        }
    }

    private static String key(String topic, long offset) {
        return offset + " " + topic;
    }
}
