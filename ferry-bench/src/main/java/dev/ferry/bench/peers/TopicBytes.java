package dev.ferry.bench.peers;

import java.util.function.Function;

/**
 * What a session derives from the topic it publishes to (the head of its publications; MQTT: the topic's bytes),
 * made again only when the topic changes, which in a run it does not. One per session; not thread-safe.
 */
final class TopicBytes {
    private final Function<String, byte[]> make;
    private String topic;
    private byte[] bytes;

    TopicBytes(Function<String, byte[]> make) {
        this.make = make;
    }

    /** The bytes for {@code topic}. */
    byte[] of(String topic) {
        if (!topic.equals(this.topic)) {
            this.topic = topic;
            bytes = make.apply(topic);
        }
        return bytes;
    }
}
