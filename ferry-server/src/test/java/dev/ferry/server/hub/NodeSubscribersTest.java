package dev.ferry.server.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NodeSubscribersTest {
    private static List<Object> contents(NodeSubscribers s) {
        List<Object> out = new ArrayList<>();
        s.forEach(out::add);
        return out;
    }

    private static Set<Object> identitySet() {
        return Collections.newSetFromMap(new IdentityHashMap<>());
    }

    /** Random adds and removes across the chunk and flatten thresholds, checked against a plain set at each step. */
    @Test
    void behavesAsASetThroughGrowthAndShrinkage() {
        SplittableRandom random = new SplittableRandom(7);
        Object[] pool = new Object[3 * NodeSubscribers.CHUNK + 17];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = new Object();
        }
        Set<Object> model = identitySet();
        NodeSubscribers s = NodeSubscribers.EMPTY;
        for (int step = 0; step < 20_000; step++) {
            // grow for a while, then shrink, then grow again: both representations and both conversions
            boolean growing = (step / 2500) % 2 == 0;
            Object o = pool[random.nextInt(pool.length)];
            if (random.nextInt(10) < (growing ? 8 : 2)) {
                if (model.add(o)) {
                    assertThat(s.contains(o)).isFalse();
                    s = s.with(o);
                }
            } else {
                NodeSubscribers next = s.without(o);
                assertThat(next == null).as("without() of an absent subscriber").isEqualTo(!model.remove(o));
                if (next != null) {
                    s = next;
                }
            }
            assertThat(s.size()).isEqualTo(model.size());
            if (step % 97 == 0) {
                List<Object> all = contents(s);
                assertThat(all).hasSize(model.size());
                Set<Object> seen = identitySet();
                seen.addAll(all);
                assertThat(seen).isEqualTo(model);
            }
        }
    }

    @Test
    void largeSetsAreChunkedAndSmallOnesFlat() {
        NodeSubscribers s = NodeSubscribers.EMPTY;
        List<Object> added = new ArrayList<>();
        for (int i = 0; i < NodeSubscribers.CHUNK; i++) {
            added.add(new Object());
            s = s.with(added.get(i));
        }
        assertThat(s).isInstanceOf(NodeSubscribers.Flat.class);
        added.add(new Object());
        s = s.with(added.get(NodeSubscribers.CHUNK));
        assertThat(s).isInstanceOf(NodeSubscribers.Chunked.class);
        while (s.size() >= NodeSubscribers.FLATTEN_BELOW) {
            s = s.without(added.remove(added.size() - 1));
            assertThat(s.size()).isEqualTo(added.size());
        }
        assertThat(s).isInstanceOf(NodeSubscribers.Flat.class);
        assertThat(contents(s)).containsExactlyElementsOf(added);
    }

    /** Readers walk a snapshot: what the writer does next must not show in a snapshot already taken. */
    @Test
    void aSnapshotDoesNotChangeUnderLaterWrites() {
        NodeSubscribers s = NodeSubscribers.EMPTY;
        List<Object> first = new ArrayList<>();
        for (int i = 0; i < 2 * NodeSubscribers.CHUNK + 5; i++) {
            Object o = new Object();
            first.add(o);
            s = s.with(o);
        }
        NodeSubscribers snapshot = s;
        List<Object> before = contents(snapshot);
        for (int i = 0; i < NodeSubscribers.CHUNK; i++) { // removes every other one of the first, adds as many
            s = s.without(first.get(2 * i));
            s = s.with(new Object());
        }
        assertThat(contents(snapshot)).containsExactlyElementsOf(before);
        assertThat(snapshot.size()).isEqualTo(before.size());
    }
}
