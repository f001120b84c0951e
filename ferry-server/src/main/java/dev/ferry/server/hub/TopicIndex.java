package dev.ferry.server.hub;

import dev.ferry.protocol.FrameCodec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One level of the subscription tree, as the index endpoints show it: a prefix (a topic or pattern; {@code ""} for
 * the root) and its children that have subscriptions at or below them.
 *
 * @param prefix the node's topic or pattern
 * @param subscribers subscriptions on exactly {@code prefix}
 * @param total subscriptions on {@code prefix} and on every pattern below it
 * @param children the active children in word order, at most the limit asked for
 * @param truncated whether children were left out because of the limit (or were emptied while being read)
 */
public record TopicIndex(String prefix, int subscribers, int total, List<Child> children, boolean truncated) {
    /** The most children one answer lists. */
    public static final int MAX_CHILDREN = 1000;

    public TopicIndex {
        children = List.copyOf(children);
    }

    /**
     * The index at {@code prefix} of the patterns in {@code counts} (subscriber count per pattern, e.g. summed over
     * the nodes of a cluster): the same answer a tree holding those subscriptions would give.
     */
    public static TopicIndex of(java.util.Map<String, Integer> counts, String prefix, int limit) {
        int own = 0;
        int total = 0;
        java.util.TreeMap<String, int[]> below = new java.util.TreeMap<>(); // word -> {subscribers, total}
        String head = prefix.isEmpty() ? "" : prefix + ".";
        for (java.util.Map.Entry<String, Integer> e : counts.entrySet()) {
            String p = e.getKey();
            int n = e.getValue();
            if (p.equals(prefix)) {
                own += n;
                total += n;
            } else if (p.startsWith(head)) {
                total += n;
                String rest = p.substring(head.length());
                int dot = rest.indexOf('.');
                int[] c = below.computeIfAbsent(dot < 0 ? rest : rest.substring(0, dot), w -> new int[2]);
                c[1] += n;
                if (dot < 0) {
                    c[0] += n;
                }
            }
        }
        List<Child> children = new java.util.ArrayList<>(Math.min(below.size(), limit));
        for (java.util.Map.Entry<String, int[]> e : below.entrySet()) {
            if (children.size() == limit) {
                break;
            }
            children.add(new Child(e.getKey(), head + e.getKey(), e.getValue()[0], e.getValue()[1]));
        }
        return new TopicIndex(prefix, own, total, children, below.size() > children.size());
    }

    /**
     * The JSON answered by {@code GET /v1/topics} and the ferry.v1 {@code index} command:
     * {@code {"prefix":"a","subscribers":0,"total":3,"children":[{"word":"b","topic":"a.b","subscribers":1,"total":3}],"truncated":false}}.
     */
    public byte[] toJson() {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64 + 48 * children.size());
        ascii(b, "{\"prefix\":");
        b.writeBytes(FrameCodec.quote(prefix));
        ascii(b, ",\"subscribers\":" + subscribers + ",\"total\":" + total + ",\"children\":[");
        writeChildren(b, children);
        ascii(b, "],\"truncated\":" + truncated + "}");
        return b.toByteArray();
    }

    /** Writes {@code children} as comma-separated {@code {"word","topic","subscribers","total","class"?}} objects. */
    static void writeChildren(ByteArrayOutputStream b, List<Child> children) {
        for (int i = 0; i < children.size(); i++) {
            Child c = children.get(i);
            ascii(b, i == 0 ? "{\"word\":" : ",{\"word\":");
            b.writeBytes(FrameCodec.quote(c.word()));
            ascii(b, ",\"topic\":");
            b.writeBytes(FrameCodec.quote(c.topic()));
            ascii(b, ",\"subscribers\":" + c.subscribers() + ",\"total\":" + c.total());
            if (c.eventClass() != null) {
                ascii(b, ",\"class\":");
                b.writeBytes(FrameCodec.quote(c.eventClass()));
            }
            ascii(b, "}");
        }
    }

    /**
     * What changed from {@code before} to this index of the same prefix, as the index socket sends it
     * (docs/web.md, "Index socket"):
     * {@code {"type":"change","subscribers":0,"total":4,"changed":[child...],"removed":["word"...],"truncated":false}},
     * where {@code changed} lists the children that are new or whose counts changed and {@code removed} the words no
     * longer listed; or {@code null} when nothing changed.
     */
    public byte[] changeSince(TopicIndex before) {
        java.util.Map<String, Child> old = new java.util.HashMap<>(before.children.size() * 2);
        for (Child c : before.children) {
            old.put(c.word(), c);
        }
        List<Child> changed = new java.util.ArrayList<>();
        for (Child c : children) {
            if (!c.equals(old.remove(c.word()))) {
                changed.add(c);
            }
        }
        if (changed.isEmpty() && old.isEmpty() && subscribers == before.subscribers && total == before.total
                && truncated == before.truncated) {
            return null;
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream(96 + 48 * changed.size() + 16 * old.size());
        ascii(b, "{\"type\":\"change\",\"subscribers\":" + subscribers + ",\"total\":" + total + ",\"changed\":[");
        writeChildren(b, changed);
        ascii(b, "],\"removed\":[");
        boolean first = true;
        for (Child c : before.children) { // in word order, as listed before
            if (old.containsKey(c.word())) {
                ascii(b, first ? "" : ",");
                b.writeBytes(FrameCodec.quote(c.word()));
                first = false;
            }
        }
        ascii(b, "],\"truncated\":" + truncated + "}");
        return b.toByteArray();
    }

    private static void ascii(ByteArrayOutputStream b, String s) {
        b.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * @param word the child's last word ({@code *} and {@code #} appear as words: they are subscribed patterns)
     * @param topic the child's full topic or pattern
     * @param subscribers subscriptions on exactly {@code topic}
     * @param total subscriptions on {@code topic} and below it
     * @param eventClass the name of the event class of {@code topic}, or null (none, or not asked for)
     */
    public record Child(String word, String topic, int subscribers, int total, String eventClass) {
        public Child(String word, String topic, int subscribers, int total) {
            this(word, topic, subscribers, total, null);
        }
    }

    /**
     * This index with each child marked with the event class of its topic or pattern ({@code "class"} in the
     * JSON, docs/events.md): {@code classOf} answers a class's name, or null for none.
     */
    public TopicIndex classified(java.util.function.Function<String, String> classOf) {
        List<Child> marked = new java.util.ArrayList<>(children.size());
        for (Child c : children) {
            marked.add(new Child(c.word(), c.topic(), c.subscribers(), c.total(), classOf.apply(c.topic())));
        }
        return new TopicIndex(prefix, subscribers, total, marked, truncated);
    }
}
