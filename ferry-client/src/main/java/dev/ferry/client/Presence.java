package dev.ferry.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Presence (docs/protocol.md §4.7): who is subscribed to a topic. Read a page with
 * {@link FerryClient#presence(String)}; follow changes with
 * {@link FerryClient#subscribe(String, MessageHandler, Object, Presence.Listener)}.
 */
public final class Presence {
    private Presence() {
    }

    /**
     * One connection present in a topic: its server-chosen id, the user of its token ({@code null} when anonymous),
     * the info it gave ({@code null} when none) and when it joined (Unix milliseconds).
     */
    public record Entry(String conn, String user, JsonNode info, long joined) {
        static Entry of(JsonNode n) {
            return new Entry(n.path("conn").asText(), n.path("user").isTextual() ? n.path("user").asText() : null,
                    n.has("info") ? n.get("info") : null, n.path("joined").asLong());
        }
    }

    /** One page, in connection id order; {@code next} is the cursor of the next page ({@code null} on the last). */
    public record Page(String topic, int count, List<Entry> entries, String next) {
        public Page {
            entries = List.copyOf(entries);
        }

        static Page of(JsonNode n) {
            return new Page(n.path("topic").asText(), n.path("count").asInt(), Presence.entries(n.path("entries")),
                    n.path("next").isTextual() ? n.path("next").asText() : null);
        }
    }

    /**
     * Joins and leaves of a topic, coalesced by the server. With {@code reset} the lists are empty and what the
     * application knows of the topic's presence is stale: read it again (the client also sends a reset after it
     * reconnects, since changes made meanwhile were not heard).
     */
    public record Diff(String topic, List<Entry> joins, List<Entry> leaves, boolean reset) {
        public Diff {
            joins = List.copyOf(joins);
            leaves = List.copyOf(leaves);
        }

        static Diff reset(String topic) {
            return new Diff(topic, List.of(), List.of(), true);
        }
    }

    /** Hears the presence changes of a subscribed topic, on the client's dispatch thread. */
    @FunctionalInterface
    public interface Listener {
        void onDiff(Diff diff);
    }

    static List<Entry> entries(JsonNode array) {
        List<Entry> out = new ArrayList<>();
        array.forEach(n -> out.add(Entry.of(n)));
        return out;
    }
}
