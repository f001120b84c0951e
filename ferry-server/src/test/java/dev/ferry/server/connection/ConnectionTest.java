package dev.ferry.server.connection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Payload;
import dev.ferry.server.auth.Action;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.auth.Permissions;
import dev.ferry.server.auth.SecurityCounters;
import dev.ferry.server.config.LimitsConfig;
import dev.ferry.server.hub.Hub;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The connection core without sockets: admission (grammar, permissions, rates, limits, draining), subscriptions
 * on a real hub, recovery, and what reaches the transport. Time is a counter the test moves.
 */
class ConnectionTest {
    private static final long SECOND = 1_000_000_000L;

    private final Hub hub = new Hub();
    private final RecordingTransport transport = new RecordingTransport();
    private final SecurityCounters counters = new SecurityCounters();
    private final AtomicLong now = new AtomicLong(1);
    private final AtomicBoolean draining = new AtomicBoolean();

    private Connection connection(List<String> rules, LimitsConfig limits, int maxSubscriptions) {
        Admission admission = new Admission(limits, maxSubscriptions, draining::get, counters, now::get);
        return new Connection(hub, admission, Permissions.parse(rules).scope(Identity.ANONYMOUS), transport);
    }

    private Connection open() {
        return connection(List.of(), LimitsConfig.DEFAULT, 10);
    }

    private void publish(String topic, int n) {
        hub.publish(topic, Payload.json("{\"n\":" + n + "}")).toCompletableFuture().join();
    }

    @Test
    void aSubscriptionReceivesMatchingPublicationsOnceUntilUnsubscribed() {
        Connection c = open();
        assertThat(c.subscribe("a.*")).isNull();
        assertThat(c.subscribe("a.b")).isNull(); // overlapping: still one delivery per publication
        publish("a.b", 1);
        publish("x.y", 2);
        assertThat(transport.delivered).extracting(Frame.Msg::topic).containsExactly("a.b");
        assertThat(c.unsubscribe("a.*")).isTrue();
        assertThat(c.unsubscribe("a.*")).isFalse();
        publish("a.c", 3);
        publish("a.b", 4);
        assertThat(transport.delivered).extracting(Frame.Msg::topic).containsExactly("a.b", "a.b");
        c.closed();
        publish("a.b", 5);
        assertThat(transport.delivered).hasSize(2);
        assertThat(hub.subscriptions()).isZero();
    }

    @Test
    void subscribingIsRefusedForABadPatternADenialDrainingAndBeyondTheLimit() {
        Connection c = connection(List.of("subscribe public.# everyone"), LimitsConfig.DEFAULT, 2);
        assertThat(c.subscribe("a..b").code()).isEqualTo(ErrorCode.BAD_TOPIC);
        Refusal denied = c.subscribe("private.x");
        assertThat(denied.code()).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(new String(denied.dataBytes())).isEqualTo("{\"action\":\"subscribe\",\"topic\":\"private.x\"}");
        assertThat(counters.snapshot().forbidden()).isEqualTo(1);
        assertThat(c.subscribe("public.a")).isNull();
        assertThat(c.subscribe("public.b")).isNull();
        assertThat(c.subscribe("public.a")).as("a pattern held has room").isNull();
        assertThat(c.subscribe("public.c").code()).isEqualTo(ErrorCode.TOO_MANY_SUBSCRIPTIONS);
        assertThat(c.roomFor("public.c", 0)).isNotNull();
        c.unsubscribe("public.b");
        assertThat(c.roomFor("public.c", 1)).as("state channels count too").isNotNull();
        draining.set(true);
        assertThat(c.subscribe("public.c").code()).isEqualTo(ErrorCode.SHUTTING_DOWN);
        assertThat(c.subscriptions()).containsExactly("public.a");
    }

    @Test
    void publishingIsAdmittedByGrammarPermissionAndThePublishRate() {
        Connection c = connection(List.of("publish ok.# everyone", "subscribe # everyone"), new LimitsConfig(2, 2, 0, 0, 10, 0), 10);
        c.subscribe("ok.#");
        assertThat(c.admitPublish("ok.#", Payload.NULL, Map.of()).code()).isEqualTo(ErrorCode.BAD_TOPIC);
        assertThat(c.admitPublish("no.t", Payload.NULL, Map.of()).code()).isEqualTo(ErrorCode.FORBIDDEN);
        List<Object> outcomes = new ArrayList<>();
        assertThat(c.publish("ok.t", Payload.json("1"), (p, e) -> outcomes.add(e == null ? p.offset() : e))).isNull();
        assertThat(c.publish("ok.t", Payload.json("2"), (p, e) -> outcomes.add(e == null ? p.offset() : e))).isNull();
        Refusal limited = c.publish("ok.t", Payload.json("3"), (p, e) -> outcomes.add(e));
        assertThat(limited.code()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(limited.message()).isEqualTo("publish rate exceeded (limits.publish-rate)");
        assertThat(new String(limited.dataBytes())).isEqualTo("{\"action\":\"publish\"}");
        assertThat(counters.snapshot().rateLimited()).isEqualTo(1);
        assertThat(outcomes).containsExactly(1L, 2L);
        assertThat(transport.offsets()).containsExactly(1L, 2L);

        now.addAndGet(SECOND / 2); // one token back at 2 per second
        assertThat(c.admitPublish("ok.t", Payload.NULL, Map.of())).isNull();
        assertThat(c.admitPublish("ok.t", Payload.NULL, Map.of()).code()).isEqualTo(ErrorCode.RATE_LIMITED);
    }

    @Test
    void callsAndRegistrationsPassTheSameAdmission() {
        Connection c = connection(List.of("call+register math.* everyone"), new LimitsConfig(0, 0, 1, 1, 10, 0), 10);
        Admission a = c.admission();
        assertThat(a.call(c.scope(), "bad proc").code()).isEqualTo(ErrorCode.BAD_PROCEDURE);
        assertThat(a.call(c.scope(), "other.x").code()).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(a.call(c.scope(), "math.add")).isNull();
        Refusal limited = a.call(c.scope(), "math.add");
        assertThat(limited.code()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(new String(limited.dataBytes())).isEqualTo("{\"action\":\"call\"}");
        assertThat(a.register(c.scope(), "math.add")).isNull();
        assertThat(a.permit(c.scope(), Action.REGISTER, "other.x").code()).isEqualTo(ErrorCode.FORBIDDEN);
        draining.set(true);
        assertThat(a.register(c.scope(), "math.add").code()).isEqualTo(ErrorCode.SHUTTING_DOWN);
        assertThat(a.call(c.scope(), "math.add").code()).isEqualTo(ErrorCode.SHUTTING_DOWN);
    }

    @Test
    void aNewScopeAppliesToTheNextOperation() {
        Connection c = connection(List.of("subscribe open.# everyone", "subscribe vip.# authenticated"), LimitsConfig.DEFAULT, 10);
        assertThat(c.admitSubscribe("vip.x").code()).isEqualTo(ErrorCode.FORBIDDEN);
        Identity alice = new Identity(Identity.Kind.TOKEN, "alice", "iss", Map.of(), null, null);
        c.scope(Permissions.parse(List.of("subscribe vip.# authenticated")).scope(alice));
        assertThat(c.identity()).isSameAs(alice);
        assertThat(c.admitSubscribe("vip.x")).isNull();
    }

    @Test
    void aSubscriptionRecoversFromItsPositionThenGoesLive() {
        Connection c = open();
        publish("r.t", 1);
        publish("r.t", 2);
        publish("r.t", 3);
        String epoch = hub.position("r.t").toCompletableFuture().join().epoch();
        List<Hub.Recovery> recovered = new ArrayList<>();
        c.subscribe("r.t", List.of(new Frame.Position("r.t", 1, epoch)), null, (rs, e) -> {
            assertThat(e).isNull();
            recovered.addAll(rs);
        });
        assertThat(recovered).singleElement().satisfies(r -> assertThat(r.recovered()).isTrue());
        assertThat(c.holds("r.t")).isTrue();
        publish("r.t", 4);
        assertThat(transport.offsets()).containsExactly(2L, 3L, 4L);
    }

    @Test
    void aFilteredSubscriptionOnlyReceivesWhatItsFilterAccepts() throws Exception {
        Connection c = open();
        c.subscribe("f.#", List.of(), dev.ferry.server.filter.Filter.compile("n > 1"), (rs, e) -> {
        });
        publish("f.a", 1);
        publish("f.a", 2);
        assertThat(transport.delivered).extracting(m -> m.data().jsonText()).containsExactly("{\"n\":2}");
    }

    @Test
    void framesThatAreNotPublicationsAreWrittenAndClosingStopsEverything() {
        Connection c = open();
        c.write(Unpooled.copiedBuffer("{\"type\":\"presence\"}", java.nio.charset.StandardCharsets.UTF_8), false);
        assertThat(transport.written).containsExactly("{\"type\":\"presence\"}");
        c.interrupted();
        c.fellBehind();
        assertThat(transport.interruptions).isEqualTo(1);
        assertThat(transport.fellBehind).isEqualTo(1);
        c.closed();
        c.write(Unpooled.copiedBuffer("late", java.nio.charset.StandardCharsets.UTF_8), false);
        c.interrupted();
        assertThat(transport.written).hasSize(1);
        assertThat(transport.interruptions).isEqualTo(1);
        assertThat(c.isClosed()).isTrue();
    }

    @Test
    void aChannelGetsItsOwnSubscriptionsDeliveriesAndClosesWithItsConnection() {
        Connection c = connection(List.of("subscribe open.# everyone"), LimitsConfig.DEFAULT, 10);
        RecordingTransport side = new RecordingTransport();
        Connection channel = c.channel(side);
        assertThat(c.subscribe("open.a")).isNull();
        channel.subscribe("open.#", List.of(), null, (rs, e) -> assertThat(e).isNull());
        publish("open.a", 1);
        publish("open.b", 2);
        assertThat(transport.delivered).extracting(Frame.Msg::topic).containsExactly("open.a");
        assertThat(side.delivered).extracting(Frame.Msg::topic).containsExactly("open.a", "open.b");
        assertThat(channel.admitSubscribe("vip.x").code()).isEqualTo(ErrorCode.FORBIDDEN);
        c.scope(Permissions.parse(List.of("subscribe # everyone")).scope(Identity.ANONYMOUS));
        assertThat(channel.admitSubscribe("vip.x")).as("the channel acts as its connection").isNull();
        assertThat(c.subscriptions()).containsExactly("open.a");
        c.closed();
        assertThat(channel.isClosed()).isTrue();
        publish("open.b", 3);
        assertThat(side.delivered).hasSize(2);
        assertThat(hub.subscriptions()).isZero();
    }

    @Test
    void aClosedChannelLeavesItsConnectionSubscribed() {
        Connection c = open();
        RecordingTransport side = new RecordingTransport();
        Connection channel = c.channel(side);
        c.subscribe("t.x");
        channel.subscribe("t.x", List.of(), null, (rs, e) -> {
        });
        channel.closed();
        publish("t.x", 1);
        assertThat(transport.delivered).hasSize(1);
        assertThat(side.delivered).isEmpty();
    }

    @Test
    void aNewIdentityDropsTheSubscriptionsItMayNoLongerHold() {
        Connection c = connection(List.of("subscribe # everyone"), LimitsConfig.DEFAULT, 10);
        c.subscribe("open.a");
        c.subscribe("vip.a");
        c.scope(Permissions.parse(List.of("subscribe open.# everyone")).scope(Identity.ANONYMOUS));
        List<String> dropped = new ArrayList<>();
        c.dropRevoked((pattern, refusal) -> dropped.add(pattern + " " + refusal.code().wire() + " " + refusal.message()));
        assertThat(dropped).singleElement().asString().startsWith("vip.a forbidden ").endsWith("; the subscription was dropped");
        assertThat(c.subscriptions()).containsExactly("open.a");
        assertThat(counters.snapshot().forbidden()).isEqualTo(1);
        publish("vip.a", 1);
        assertThat(transport.delivered).isEmpty();
    }
}
