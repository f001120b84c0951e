package dev.ferry.rabbitmq;

import dev.ferry.protocol.Payload;
import dev.ferry.protocol.Topics;
import dev.ferry.server.hub.Hub;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Remembers which hub publications came in from RabbitMQ, so that the outbound side never sends them back out.
 *
 * <p>Ferry messages carry no metadata to mark, so the mark is the publication's identity, (topic, offset). An
 * inbound publication is made and marked under this object's lock; the outbound subscriber checks (and forgets)
 * the mark under the same lock. Since the hub hands the publication to the outbound executor only while
 * {@link Hub#publish} runs, the check waits for the mark at most as long as that call takes. Only topics an
 * outbound pattern matches are marked, and at most {@link #MAX_MARKS} marks are kept (the oldest go first),
 * so a mark whose delivery never comes cannot pile up.
 */
final class LoopGuard {
    static final int MAX_MARKS = 65_536;

    private final Hub hub;
    private final List<String> outboundPatterns;
    private final LinkedHashSet<String> marks = new LinkedHashSet<>();

    LoopGuard(Hub hub, List<String> outboundPatterns) {
        this.hub = hub;
        this.outboundPatterns = List.copyOf(outboundPatterns);
    }

    /**
     * Publishes an inbound message to the hub, marked as bridged in. Any thread. With the in-memory engine the
     * offset is known before {@code publish} returns, so the mark is in place before the outbound side can look;
     * with an engine that answers later, the mark follows, and a publication that overtakes it is stopped by the
     * origin header instead (see {@link RabbitBridge}).
     */
    CompletionStage<Long> publishInbound(String topic, Payload payload, java.util.Map<String, String> tags) {
        if (outboundPatterns.stream().noneMatch(p -> Topics.matches(p, topic))) {
            return publish(topic, payload, tags);
        }
        synchronized (marks) {
            CompletionStage<Long> published = publish(topic, payload, tags);
            Long now = published.toCompletableFuture().getNow(null);
            if (now != null) {
                mark(topic, now);
            } else {
                published.thenAccept(offset -> {
                    synchronized (marks) {
                        mark(topic, offset);
                    }
                });
            }
            return published;
        }
    }

    /** Publishes with tags; an engine that cannot carry tags (a third-party one) gets the publication without them. */
    private CompletionStage<Long> publish(String topic, Payload payload, java.util.Map<String, String> tags) {
        if (tags.isEmpty()) {
            return hub.publish(topic, payload);
        }
        return hub.publish(topic, payload, tags).exceptionallyCompose(e ->
                (e instanceof UnsupportedOperationException || e.getCause() instanceof UnsupportedOperationException)
                        ? hub.publish(topic, payload)
                        : java.util.concurrent.CompletableFuture.failedStage(e));
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
