package dev.ferry.server.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Payload;
import dev.ferry.server.config.HistoryConfig;
import dev.ferry.server.engine.Engine;
import dev.ferry.server.engine.Fanout;
import dev.ferry.server.engine.NodeCalls;
import dev.ferry.server.engine.MemoryEngine;
import dev.ferry.server.engine.TopicSnapshot;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The gate a subscription with positions is made behind (see {@link Hub}): what is published while it is pending is
 * delivered once and in order after the replay, whichever topics of the pattern {@code since} lists; a fault
 * inside the hub while it opens never leaves the subscriber waiting; and its checks end once live publications
 * have moved past them.
 */
class HubGatesTest {
    @Test
    void aSubscriptionIsNoLongerCheckedOnceLivePublicationsPassItsPosition() {
        Hub hub = new Hub();
        hub.publish("t", Payload.json("1")).toCompletableFuture().join();
        MsgRecorder r = new MsgRecorder();
        hub.subscribe("t", r, List.of(), null, (recovered, e) -> assertThat(e).isNull());
        assertThat(hub.gatedSubscribers()).as("a watermark at the position read").isEqualTo(1);

        hub.publish("t", Payload.json("2")).toCompletableFuture().join();
        hub.publish("t", Payload.json("3")).toCompletableFuture().join();
        assertThat(r.offsets()).containsExactly(2L, 3L);
        assertThat(hub.gatedSubscribers()).as("forgotten once live moved past it").isZero();
    }

    @Test
    void aTopicOfThePatternThatSinceDoesNotListIsDeliveredLiveWhenPublishedWhileTheGateIsPending() {
        HeldInterest engine = new HeldInterest();
        Hub hub = engine.hub();
        publish(hub, "x.a", 1);
        String epoch = hub.position("x.a").toCompletableFuture().join().epoch();
        MsgRecorder r = new MsgRecorder();
        AtomicReference<List<Hub.Recovery>> answer = new AtomicReference<>();
        hub.subscribe("x.*", r, List.of(new Frame.Position("x.a", 1, epoch)), null, (rs, e) -> {
            assertThat(e).isNull();
            answer.set(rs);
        });
        // the gate is pending until the engine's interest is active: both topics are buffered
        publish(hub, "x.a", 2);
        publish(hub, "x.b", 1);
        publish(hub, "x.a", 3);
        assertThat(answer.get()).isNull();

        engine.interest.complete(null);
        assertThat(answer.get()).singleElement().satisfies(rec -> assertThat(rec.recovered()).isTrue());
        publish(hub, "x.a", 4);
        publish(hub, "x.b", 2);
        assertThat(r.msgs).extracting(m -> m.topic() + "@" + m.offset())
                .containsExactly("x.a@2", "x.a@3", "x.b@1", "x.a@4", "x.b@2");
        assertThat(hub.gatedSubscribers()).as("nothing left to check once live moved on").isZero();
    }

    @Test
    void aFaultWhileReplayingAfterTheAnswerTellsTheSubscriberItFellBehind() {
        Hub hub = new Hub();
        publish(hub, "f.a", 1);
        publish(hub, "f.a", 2);
        String epoch = hub.position("f.a").toCompletableFuture().join().epoch();
        FailingSubscriber s = new FailingSubscriber();
        List<Boolean> answered = new ArrayList<>();
        hub.subscribe("f.a", s, List.of(new Frame.Position("f.a", 0, epoch)), null, (rs, e) -> answered.add(e == null));

        assertThat(answered).containsExactly(true);
        assertThat(s.fellBehind).as("told, so that its client recovers again").isTrue();
        assertThat(hub.gatedSubscribers()).isZero();
    }

    private static void publish(Hub hub, String topic, long expectedOffset) {
        assertThat(hub.publish(topic, Payload.json("\"" + topic + "\"")).toCompletableFuture().join())
                .isEqualTo(expectedOffset);
    }

    /** A subscriber whose delivery fails (as a fault of the hub would): it releases the frame and throws. */
    private static final class FailingSubscriber implements Subscriber {
        boolean fellBehind;

        @Override
        public EventExecutor executor() {
            return ImmediateEventExecutor.INSTANCE;
        }

        @Override
        public void deliver(Delivery d) {
            throw new IllegalStateException("delivery fault (test)");
        }

        @Override
        public void write(ByteBuf frame, boolean binary) {
            frame.release();
        }

        @Override
        public void fellBehind() {
            fellBehind = true;
        }
    }

    /** The in-memory engine, whose interest in a pattern becomes active only when the test completes it. */
    private static final class HeldInterest implements Engine {
        final MemoryEngine memory = new MemoryEngine(HistoryConfig.DEFAULT);
        final CompletableFuture<Void> interest = new CompletableFuture<>();

        Hub hub() {
            Hub hub = new Hub(HistoryConfig.DEFAULT, this);
            start(hub, null);
            return hub;
        }

        @Override
        public void start(Fanout fanout, NodeCalls rpc) {
            memory.start(fanout, rpc);
        }

        @Override
        public String name() {
            return "held-interest";
        }

        @Override
        public CompletionStage<dev.ferry.server.engine.Published> publish(String topic, Payload data,
                                                                          Map<String, String> tags, String pubId) {
            return memory.publish(topic, data, tags, pubId);
        }

        @Override
        public CompletionStage<Void> addInterest(String pattern) {
            return interest;
        }

        @Override
        public void removeInterest(String pattern) {
        }

        @Override
        public CompletionStage<TopicSnapshot> read(String topic, long after, long before, int limit, boolean reverse) {
            return memory.read(topic, after, before, limit, reverse);
        }

        @Override
        public boolean ready() {
            return true;
        }

        @Override
        public void close() {
            memory.close();
        }
    }
}
