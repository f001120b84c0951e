package dev.ferry.server.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.Payload;
import dev.ferry.server.filter.Filter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The hub's fan-out with filters: who gets what, and how often the payload is parsed. */
class HubFilterTest {
    /** Records the {@code data.n} of every delivery. */
    private static final class Rec implements Subscriber {
        final List<Integer> ns = new ArrayList<>();

        @Override
        public EventExecutor executor() {
            return ImmediateEventExecutor.INSTANCE;
        }

        @Override
        public void deliver(ByteBuf frame, boolean binary) {
            try {
                Frame.Msg m = (Frame.Msg) FrameCodec.decodeText(frame.toString(java.nio.charset.StandardCharsets.UTF_8));
                String json = m.data().jsonText();
                ns.add(Integer.parseInt(json.replaceAll("\\D", "")));
            } catch (Exception e) {
                throw new AssertionError(ByteBufUtil.prettyHexDump(frame), e);
            } finally {
                frame.release();
            }
        }
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
        Rec a = new Rec();
        Rec b = new Rec();
        Rec c = new Rec();
        Rec d = new Rec();
        sub(hub, "t.*", a, "n > 1");
        sub(hub, "t.a", b, "n > 2");
        sub(hub, "t.a", c, "tags.k == 'v'");
        sub(hub, "t.#", d, null);
        pub(hub, "t.a", 1, Map.of());
        pub(hub, "t.a", 2, Map.of("k", "v"));
        pub(hub, "t.a", 3, Map.of());
        assertThat(a.ns).containsExactly(2, 3);
        assertThat(b.ns).containsExactly(3);
        assertThat(c.ns).containsExactly(2);
        assertThat(d.ns).containsExactly(1, 2, 3);
        assertThat(hub.payloadParses()).isEqualTo(3);
        assertThat(hub.filteredOut()).isEqualTo(3 + 1 + 1);

        Hub tagsOnly = new Hub();
        Rec t = new Rec();
        Rec u = new Rec();
        sub(tagsOnly, "x", t, "tags.k == 'v'");
        sub(tagsOnly, "x", u, null);
        pub(tagsOnly, "x", 1, Map.of("k", "v"));
        pub(tagsOnly, "x", 2, Map.of());
        assertThat(t.ns).containsExactly(1);
        assertThat(u.ns).containsExactly(1, 2);
        assertThat(tagsOnly.payloadParses()).isZero();
    }

    @Test
    void unfilteredPatternWinsUntilItIsDropped() throws Exception {
        Hub hub = new Hub();
        Rec r = new Rec();
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
        assertThat(r.ns).containsExactly(5, 1, 8);
        assertThat(hub.payloadParses()).isEqualTo(3); // 6, 7 and 1: not 5 (s.a is unfiltered), not 8 (no filter left)
    }
}
