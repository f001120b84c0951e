package dev.ferry.server.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.Payload;
import dev.ferry.server.filter.Filter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The hub's fan-out with filters: who gets what, and how often the payload is parsed. */
class HubFilterTest {
    /** The {@code data.n} of every delivery {@code r} received, in order. */
    private static List<Integer> ns(MsgRecorder r) {
        return r.msgs.stream().map(m -> Integer.parseInt(m.data().jsonText().replaceAll("\\D", ""))).toList();
    }

    private static void sub(Hub hub, String pattern, Subscriber s, String filter) throws Exception {
        hub.subscribe(pattern, s, List.of(), filter == null ? null : Filter.compile(filter), (r, e) -> {
            assertThat(e).isNull();
        });
    }

    private static void pub(Hub hub, String topic, int n, Map<String, String> tags) {
        hub.publish(topic, Payload.json("{\"n\":" + n + "}"), tags).toCompletableFuture().join();
    }

    @Test
    void payloadIsParsedOncePerPublicationAndOnlyWhenAFilterReadsIt() throws Exception {
        Hub hub = new Hub();
        MsgRecorder a = new MsgRecorder();
        MsgRecorder b = new MsgRecorder();
        MsgRecorder c = new MsgRecorder();
        MsgRecorder d = new MsgRecorder();
        sub(hub, "t.*", a, "n > 1");
        sub(hub, "t.a", b, "n > 2");
        sub(hub, "t.a", c, "tags.k == 'v'");
        sub(hub, "t.#", d, null);
        pub(hub, "t.a", 1, Map.of());
        pub(hub, "t.a", 2, Map.of("k", "v"));
        pub(hub, "t.a", 3, Map.of());
        assertThat(ns(a)).containsExactly(2, 3);
        assertThat(ns(b)).containsExactly(3);
        assertThat(ns(c)).containsExactly(2);
        assertThat(ns(d)).containsExactly(1, 2, 3);
        assertThat(hub.payloadParses()).isEqualTo(3);
        assertThat(hub.filteredOut()).isEqualTo(3 + 1 + 1);

        Hub tagsOnly = new Hub();
        MsgRecorder t = new MsgRecorder();
        MsgRecorder u = new MsgRecorder();
        sub(tagsOnly, "x", t, "tags.k == 'v'");
        sub(tagsOnly, "x", u, null);
        pub(tagsOnly, "x", 1, Map.of("k", "v"));
        pub(tagsOnly, "x", 2, Map.of());
        assertThat(ns(t)).containsExactly(1);
        assertThat(ns(u)).containsExactly(1, 2);
        assertThat(tagsOnly.payloadParses()).isZero();
    }

    @Test
    void unfilteredPatternWinsUntilItIsDropped() throws Exception {
        Hub hub = new Hub();
        MsgRecorder r = new MsgRecorder();
        sub(hub, "s.*", r, "n == 1");
        sub(hub, "s.a", r, null);
        pub(hub, "s.a", 5, Map.of());
        pub(hub, "s.b", 6, Map.of());
        hub.unsubscribe("s.a", r);
        pub(hub, "s.a", 7, Map.of());
        pub(hub, "s.a", 1, Map.of());
        hub.unsubscribe("s.*", r);
        sub(hub, "s.*", r, null);
        pub(hub, "s.b", 8, Map.of());
        assertThat(ns(r)).containsExactly(5, 1, 8);
        assertThat(hub.payloadParses()).isEqualTo(3); // 6, 7 and 1: not 5 (s.a is unfiltered), not 8 (no filter left)
    }
}
