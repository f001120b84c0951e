package dev.ferry.server.engine;

import dev.ferry.protocol.Frame;
import java.util.List;

/**
 * One consistent read of a topic: its epoch (null when nothing was ever published there), its latest offset, the
 * oldest retained offset ({@code offset + 1} when none is), and some retained publications with their times.
 */
public record TopicSnapshot(String topic, String epoch, long offset, long first, List<Frame.Msg> items,
                            List<Long> timesMillis) {
    public TopicSnapshot {
        items = List.copyOf(items);
        timesMillis = List.copyOf(timesMillis);
    }

    /** A topic nothing was ever published to. */
    public static TopicSnapshot empty(String topic) {
        return new TopicSnapshot(topic, null, 0, 1, List.of(), List.of());
    }
}
