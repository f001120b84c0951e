package dev.ferry.server.hub;

import dev.ferry.protocol.Topics;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Subscriptions by pattern, one tree level per word; {@code *} and {@code #} are children like any word.
 *
 * <p>Matching a topic walks only the branches its words (and the wildcards) lead to, so its cost depends on the
 * topic's length and the number of wildcard branches, not on the number of subscriptions. Reads are lock-free
 * (concurrent maps, copy-on-write subscriber snapshots: {@link NodeSubscribers}); changes are serialized by the
 * tree's lock, so they are cheap to reason about and rare compared to publications.
 *
 * @param <T> the subscriber type; compared by identity
 */
public final class TopicTree<T> {

    /**
     * Told of every (pattern, subscriber) pair added to or removed from the tree: {@code added} when
     * {@link #add} returns true, {@code removed} when {@link #remove} returns true. Called under the tree's lock,
     * on the thread making the change, in the order the changes happen, so a listener can keep exact reference
     * counts. It must be quick, must not block and must not call back into the tree: hand real work off to
     * another thread.
     *
     * @param <T> the subscriber type
     */
    public interface Listener<T> {
        void added(String pattern, T subscriber);

        void removed(String pattern, T subscriber);
    }

    private static final class Node {
        final Node parent;
        final String word;
        final ConcurrentHashMap<String, Node> children = new ConcurrentHashMap<>(4);
        volatile NodeSubscribers subscribers = NodeSubscribers.EMPTY;
        /** Subscriptions at this node and below it; written under the tree's lock, read without it. */
        volatile int total;

        Node(Node parent, String word) {
            this.parent = parent;
            this.word = word;
        }

        boolean isEmpty() {
            return subscribers.size() == 0 && children.isEmpty();
        }
    }

    private final Node root = new Node(null, "");
    private int size;
    /** Written and read under the tree's lock; copied on change so that a listener may remove itself. */
    private List<Listener<? super T>> listeners = List.of();

    /**
     * Registers {@code listener} and, atomically with that, calls its {@code added} for every pair already in
     * the tree, so that it misses nothing and sees nothing twice.
     */
    public void addListener(Listener<? super T> listener) {
        synchronized (this) {
            List<Listener<? super T>> next = new ArrayList<>(listeners);
            next.add(listener);
            listeners = List.copyOf(next);
            forEach(root, "", listener::added);
        }
    }

    /** Unregisters {@code listener}; it is called no more once this returns. */
    public void removeListener(Listener<? super T> listener) {
        synchronized (this) {
            List<Listener<? super T>> next = new ArrayList<>(listeners);
            next.remove(listener);
            listeners = List.copyOf(next);
        }
    }

    @SuppressWarnings("unchecked")
    private void forEach(Node n, String pattern, BiConsumer<String, T> visitor) {
        n.subscribers.forEach(s -> visitor.accept(pattern, (T) s));
        for (Node c : n.children.values()) {
            forEach(c, n == root ? c.word : pattern + "." + c.word, visitor);
        }
    }

    /** Adds {@code subscriber} under a valid pattern. Returns false when it was already there. */
    public boolean add(String pattern, T subscriber) {
        synchronized (this) {
            Node n = root;
            for (String w : words(pattern)) {
                Node parent = n;
                n = parent.children.computeIfAbsent(w, k -> new Node(parent, k));
            }
            if (n.subscribers.contains(subscriber)) {
                return false;
            }
            n.subscribers = n.subscribers.with(subscriber);
            size++;
            for (Node up = n; up != null; up = up.parent) {
                up.total++;
            }
            for (Listener<? super T> l : listeners) {
                l.added(pattern, subscriber);
            }
            return true;
        }
    }

    /** Removes {@code subscriber} from a pattern; prunes emptied branches. Returns false when it was not there. */
    public boolean remove(String pattern, T subscriber) {
        synchronized (this) {
            Node n = root;
            for (String w : words(pattern)) {
                n = n.children.get(w);
                if (n == null) {
                    return false;
                }
            }
            NodeSubscribers next = n.subscribers.without(subscriber);
            if (next == null) {
                return false;
            }
            n.subscribers = next;
            size--;
            for (Node up = n; up != null; up = up.parent) {
                up.total--;
            }
            while (n.parent != null && n.isEmpty()) {
                n.parent.children.remove(n.word, n);
                n = n.parent;
            }
            for (Listener<? super T> l : listeners) {
                l.removed(pattern, subscriber);
            }
            return true;
        }
    }

    /** Number of (pattern, subscriber) pairs. */
    public int size() {
        synchronized (this) {
            return size;
        }
    }

    /**
     * The node at {@code prefix} (a valid pattern, or {@code ""} for the root) and up to {@code limit} of its
     * children in word order; empty when nothing is subscribed at or below it. Lock-free: counts are
     * read while subscriptions may change, so they are a recent snapshot, not an atomic one.
     */
    /** Subscriber count per pattern, for every pattern that has subscribers. */
    public java.util.Map<String, Integer> patternCounts() {
        java.util.Map<String, Integer> out = new java.util.HashMap<>();
        collect(root, "", out);
        return out;
    }

    /**
     * Subscriber count per pattern at or below {@code prefix} (a valid pattern, or {@code ""} for the root), walking
     * into a node below it only when {@code descend} accepts the node's pattern: the walk costs what it may find.
     * Lock-free, a recent snapshot as {@link #index} is.
     */
    public java.util.Map<String, Integer> patternCounts(String prefix, java.util.function.Predicate<String> descend) {
        java.util.Map<String, Integer> out = new java.util.HashMap<>();
        Node n = root;
        if (!prefix.isEmpty()) {
            for (String w : words(prefix)) {
                n = n.children.get(w);
                if (n == null) {
                    return out;
                }
            }
        }
        collect(n, prefix, descend, out);
        return out;
    }

    private static void collect(Node n, String path, java.util.function.Predicate<String> descend,
            java.util.Map<String, Integer> out) {
        int count = n.subscribers.size();
        if (count > 0) {
            out.put(path, count);
        }
        n.children.forEach((w, c) -> {
            String below = path.isEmpty() ? w : path + "." + w;
            if (descend.test(below)) {
                collect(c, below, descend, out);
            }
        });
    }

    private static void collect(Node n, String path, java.util.Map<String, Integer> out) {
        int count = n.subscribers.size();
        if (count > 0) {
            out.put(path, count);
        }
        n.children.forEach((w, c) -> collect(c, path.isEmpty() ? w : path + "." + w, out));
    }

    public TopicIndex index(String prefix, int limit) {
        Node n = root;
        if (!prefix.isEmpty()) {
            for (String w : words(prefix)) {
                n = n.children.get(w);
                if (n == null) {
                    return new TopicIndex(prefix, 0, 0, List.of(), false);
                }
            }
        }
        List<String> names = new ArrayList<>(n.children.keySet());
        names.sort(null);
        List<TopicIndex.Child> children = new ArrayList<>(Math.min(names.size(), limit));
        for (String w : names) {
            if (children.size() == limit) {
                break;
            }
            Node c = n.children.get(w);
            if (c != null && c.total > 0) {
                children.add(new TopicIndex.Child(w, prefix.isEmpty() ? w : prefix + "." + w,
                        c.subscribers.size(), c.total));
            }
        }
        return new TopicIndex(prefix, n.subscribers.size(), n.total, children, names.size() > children.size());
    }

    /**
     * Calls {@code visitor} for the subscribers of every pattern matching {@code topic} (a concrete topic). A
     * subscriber under several matching patterns is visited once per pattern; callers that want it once
     * de-duplicate.
     */
    @SuppressWarnings("unchecked")
    public void match(String topic, Consumer<? super T> visitor) {
        matchSets(topic, set -> set.forEach((Consumer<Object>) visitor));
    }

    /** Whether a pattern with subscribers matches {@code topic}. Lock-free. */
    public boolean matches(String topic) {
        boolean[] any = new boolean[1];
        matchSets(topic, set -> any[0] = true);
        return any[0];
    }

    /**
     * Calls {@code visitor} with the subscriber set of every pattern matching {@code topic} that has subscribers:
     * immutable snapshots, so a caller may keep what it derives from one ({@link NodeSubscribers#derived}).
     */
    void matchSets(String topic, Consumer<NodeSubscribers> visitor) {
        new Matcher(words(topic), visitor).walk(root, 0);
    }

    /** One walk of the tree for one topic. */
    private static final class Matcher {
        private final String[] words;
        private final Consumer<NodeSubscribers> visitor;
        /** (node, position) pairs already walked below a {@code #}, as a bit per position; made on first need. */
        private Map<Node, Long> seen;

        Matcher(String[] words, Consumer<NodeSubscribers> visitor) {
            this.words = words;
            this.visitor = visitor;
        }

        void walk(Node n, int i) {
            if (i == words.length) {
                NodeSubscribers set = n.subscribers;
                if (set.size() > 0) {
                    visitor.accept(set);
                }
            } else {
                Node exact = n.children.get(words[i]);
                if (exact != null) {
                    walk(exact, i + 1);
                }
                Node one = n.children.get(Topics.ONE_WORD);
                if (one != null) {
                    walk(one, i + 1);
                }
            }
            Node any = n.children.get(Topics.ANY_WORDS);
            if (any != null) {
                // '#' matches zero or more words: continue below it from every remaining position, once each.
                for (int j = i; j <= words.length; j++) {
                    if (firstVisit(any, j)) {
                        walk(any, j);
                    }
                }
            }
        }

        private boolean firstVisit(Node n, int position) {
            if (seen == null) {
                seen = new IdentityHashMap<>();
            }
            long bits = seen.getOrDefault(n, 0L);
            long bit = 1L << position;
            if ((bits & bit) != 0) {
                return false;
            }
            seen.put(n, bits | bit);
            return true;
        }
    }

    /** The words of a topic or pattern (valid, so never empty), split without a regex or an intermediate list. */
    static String[] words(String pattern) {
        int count = 1;
        for (int i = pattern.indexOf('.'); i >= 0; i = pattern.indexOf('.', i + 1)) {
            count++;
        }
        String[] words = new String[count];
        int from = 0;
        for (int w = 0; w < count - 1; w++) {
            int dot = pattern.indexOf('.', from);
            words[w] = pattern.substring(from, dot);
            from = dot + 1;
        }
        words[count - 1] = pattern.substring(from);
        return words;
    }
}
