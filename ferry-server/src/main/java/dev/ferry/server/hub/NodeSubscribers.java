package dev.ferry.server.hub;

import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.function.Consumer;

/**
 * The subscribers of one pattern in a {@link TopicTree}: an immutable snapshot that readers walk without a lock,
 * replaced by the writer (under the tree's lock) at every change.
 *
 * <p>A small set is one exact-size array, copied on change: the cheapest to hold and to walk. A large one (a
 * broadcast topic with thousands of connections) is split into chunks of {@value #CHUNK}: a change copies one or
 * two chunks and the array of chunk references instead of every subscriber, and a writer-side index of positions
 * makes a removal O(1) (the last subscriber takes the removed one's place; fan-out order among subscribers carries
 * no meaning). Adding or removing n subscribers one at a time thus costs about n * (CHUNK + n / CHUNK) copies
 * instead of n&sup2; / 2: 100,000 subscribers of one topic go from seconds of copying under the lock to
 * milliseconds.
 */
abstract class NodeSubscribers {
    static final int CHUNK = 256;
    /** A chunked set that shrinks below this goes back to one array (well below CHUNK, so sizes do not flap). */
    static final int FLATTEN_BELOW = CHUNK / 2;

    static final NodeSubscribers EMPTY = new Flat(new Object[0]);

    /**
     * What a reader derived from this snapshot (the hub's grouping of the subscribers by event loop), kept for the
     * next reader while the set does not change. Racy by design: two readers may both derive it, and either
     * result serves, since the snapshot is immutable and the derived object must be too (final fields only).
     */
    private Object derived;

    abstract int size();

    /** {@code derive(this)}, computed by the first reader of this snapshot that asks and kept for the others. */
    @SuppressWarnings("unchecked")
    final <D> D derived(java.util.function.Function<NodeSubscribers, D> derive) {
        Object d = derived;
        if (d == null) {
            d = derive.apply(this);
            derived = d;
        }
        return (D) d;
    }

    abstract void forEach(Consumer<Object> visitor);

    /*
     * The writer's side: called under the tree's lock on the latest snapshot only (a chunked snapshot shares its
     * position index with the snapshot it came from).
     */

    abstract boolean contains(Object subscriber);

    /** This set with {@code subscriber}, which it does not hold. */
    abstract NodeSubscribers with(Object subscriber);

    /** This set without {@code subscriber}, or null when it does not hold it. */
    abstract NodeSubscribers without(Object subscriber);

    /** Up to a few hundred subscribers: one array. */
    static final class Flat extends NodeSubscribers {
        private final Object[] all;

        Flat(Object[] all) {
            this.all = all;
        }

        @Override
        int size() {
            return all.length;
        }

        @Override
        void forEach(Consumer<Object> visitor) {
            for (Object s : all) {
                visitor.accept(s);
            }
        }

        private int indexOf(Object subscriber) {
            for (int i = 0; i < all.length; i++) {
                if (all[i] == subscriber) {
                    return i;
                }
            }
            return -1;
        }

        @Override
        boolean contains(Object subscriber) {
            return indexOf(subscriber) >= 0;
        }

        @Override
        NodeSubscribers with(Object subscriber) {
            if (all.length == CHUNK) {
                return Chunked.of(all).with(subscriber);
            }
            Object[] next = Arrays.copyOf(all, all.length + 1);
            next[all.length] = subscriber;
            return new Flat(next);
        }

        @Override
        NodeSubscribers without(Object subscriber) {
            int i = indexOf(subscriber);
            if (i < 0) {
                return null;
            }
            if (all.length == 1) {
                return EMPTY;
            }
            Object[] next = new Object[all.length - 1];
            System.arraycopy(all, 0, next, 0, i);
            System.arraycopy(all, i + 1, next, i, all.length - i - 1);
            return new Flat(next);
        }
    }

    /**
     * Many subscribers: full chunks of {@link #CHUNK} and a last one sized to what it holds. The position index
     * belongs to the writer: it is handed from snapshot to snapshot and changed only under the tree's lock, and
     * readers never look at it.
     */
    static final class Chunked extends NodeSubscribers {
        private final Object[][] chunks;
        private final int size;
        private final IdentityHashMap<Object, Integer> positions;

        private Chunked(Object[][] chunks, int size, IdentityHashMap<Object, Integer> positions) {
            this.chunks = chunks;
            this.size = size;
            this.positions = positions;
        }

        static Chunked of(Object[] full) {
            IdentityHashMap<Object, Integer> positions = new IdentityHashMap<>(full.length * 2);
            for (int i = 0; i < full.length; i++) {
                positions.put(full[i], i);
            }
            return new Chunked(new Object[][] {full}, full.length, positions);
        }

        @Override
        int size() {
            return size;
        }

        @Override
        void forEach(Consumer<Object> visitor) {
            for (Object[] chunk : chunks) {
                for (Object s : chunk) {
                    visitor.accept(s);
                }
            }
        }

        @Override
        boolean contains(Object subscriber) {
            return positions.containsKey(subscriber);
        }

        @Override
        NodeSubscribers with(Object subscriber) {
            int last = chunks.length - 1;
            Object[][] next;
            if (chunks[last].length == CHUNK) {
                next = Arrays.copyOf(chunks, chunks.length + 1);
                next[last + 1] = new Object[] {subscriber};
            } else {
                next = chunks.clone();
                Object[] grown = Arrays.copyOf(chunks[last], chunks[last].length + 1);
                grown[grown.length - 1] = subscriber;
                next[last] = grown;
            }
            positions.put(subscriber, size);
            return new Chunked(next, size + 1, positions);
        }

        @Override
        NodeSubscribers without(Object subscriber) {
            Integer at = positions.remove(subscriber);
            if (at == null) {
                return null;
            }
            int lastChunk = chunks.length - 1;
            Object[] tail = chunks[lastChunk];
            Object moved = tail[tail.length - 1];
            Object[][] next;
            if (tail.length == 1) {
                next = Arrays.copyOf(chunks, lastChunk);
            } else {
                next = chunks.clone();
                next[lastChunk] = Arrays.copyOf(tail, tail.length - 1);
            }
            if (moved != subscriber) { // the last subscriber takes the removed one's place
                int c = at / CHUNK;
                Object[] changed = next[c].clone();
                changed[at % CHUNK] = moved;
                next[c] = changed;
                positions.put(moved, at);
            }
            if (size - 1 < FLATTEN_BELOW) {
                Object[] flat = new Object[size - 1];
                int i = 0;
                for (Object[] chunk : next) {
                    System.arraycopy(chunk, 0, flat, i, chunk.length);
                    i += chunk.length;
                }
                return new Flat(flat);
            }
            return new Chunked(next, size - 1, positions);
        }
    }
}
