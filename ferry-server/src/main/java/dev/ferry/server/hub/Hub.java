package dev.ferry.server.hub;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.Payload;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-memory hub: who is subscribed to what, and the fan-out of publications.
 *
 * <p>A publication is encoded once into one buffer; every receiving connection gets a retained duplicate of it
 * on its own event loop, one task per event loop per publication. Offsets are assigned and dispatched under the
 * topic's lock, and each event loop runs its tasks in order, so every subscriber sees a topic's publications in
 * offset order whichever threads published them. Thread-safe.
 */
public final class Hub {
    private final TopicTree<Subscriber> tree = new TopicTree<>();
    private final ConcurrentHashMap<String, TopicState> topics = new ConcurrentHashMap<>();

    /** Per-topic publication state: the last offset issued. */
    private static final class TopicState {
        long lastOffset;
    }

    public void subscribe(String pattern, Subscriber subscriber) {
        tree.add(pattern, subscriber);
    }

    public void unsubscribe(String pattern, Subscriber subscriber) {
        tree.remove(pattern, subscriber);
    }

    /** Number of (pattern, connection) subscriptions. */
    public int subscriptions() {
        return tree.size();
    }

    /** The active children of {@code prefix} (a valid pattern, or {@code ""} for the root); lock-free. */
    public TopicIndex index(String prefix, int limit) {
        return tree.index(prefix, limit);
    }

    /** Publishes to a valid concrete topic and returns the offset it was given. Callable from any thread. */
    public long publish(String topic, Payload data) {
        TopicState state = topics.computeIfAbsent(topic, t -> new TopicState());
        synchronized (state) {
            long offset = ++state.lastOffset;
            Map<Subscriber, Boolean> receivers = new IdentityHashMap<>();
            tree.match(topic, s -> receivers.put(s, Boolean.TRUE));
            if (!receivers.isEmpty()) {
                Frame.Msg msg = new Frame.Msg(topic, offset, data);
                dispatch(receivers.keySet(), Unpooled.wrappedBuffer(FrameCodec.encode(msg)), FrameCodec.isBinary(msg));
            }
            return offset;
        }
    }

    private static void dispatch(Iterable<Subscriber> receivers, ByteBuf encoded, boolean binary) {
        Map<EventExecutor, List<Subscriber>> byLoop = new HashMap<>();
        for (Subscriber s : receivers) {
            byLoop.computeIfAbsent(s.executor(), e -> new ArrayList<>()).add(s);
        }
        try {
            for (Map.Entry<EventExecutor, List<Subscriber>> e : byLoop.entrySet()) {
                ByteBuf shared = encoded.retainedDuplicate();
                List<Subscriber> group = e.getValue();
                try {
                    e.getKey().execute(() -> deliver(group, shared, binary));
                } catch (RuntimeException rejected) {
                    shared.release(); // the event loop is shutting down: its connections are going away
                }
            }
        } finally {
            encoded.release();
        }
    }

    private static void deliver(List<Subscriber> group, ByteBuf shared, boolean binary) {
        try {
            for (Subscriber s : group) {
                s.deliver(shared.retainedDuplicate(), binary);
            }
        } finally {
            shared.release();
        }
    }
}
