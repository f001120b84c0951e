package dev.ferry.server.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Payload;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.auth.Permissions;
import dev.ferry.server.auth.SecurityCounters;
import dev.ferry.server.config.LimitsConfig;
import dev.ferry.server.config.PresenceConfig;
import dev.ferry.server.config.SessionConfig;
import dev.ferry.server.connection.Admission;
import dev.ferry.server.connection.Connection;
import dev.ferry.server.connection.Transport;
import dev.ferry.server.hub.Delivery;
import dev.ferry.server.hub.Hub;
import dev.ferry.server.presence.ConnectionPresence;
import dev.ferry.server.presence.Presence;
import dev.ferry.server.testing.ManualClock;
import dev.ferry.server.transport.Outbound;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The resumption rules of one ferry.v1 connection in-process: a connection core on a recording transport, the
 * session command answered to a recording outbound, and session expiry on a manual clock. No sockets.
 */
class ResumptionTest {
    private static final Pattern TOKEN = Pattern.compile("\"token\":\"([^\"]+)\"");

    private final ManualClock clock = new ManualClock();
    private final Hub hub = new Hub();
    private final ResumableSessions sessions = new ResumableSessions(SessionConfig.DEFAULT, clock);
    private final Presence presence = new Presence(PresenceConfig.DEFAULT,
            hub.engine().presenceStore(PresenceConfig.DEFAULT), clock);

    /** What the connection core hands its transport: deliveries are recorded as topics and offsets. */
    static final class Recording implements Transport, Outbound {
        final List<String> delivered = new ArrayList<>();
        final List<Frame> sent = new ArrayList<>();
        final List<String> closes = new ArrayList<>();

        @Override
        public EventExecutor executor() {
            return ImmediateEventExecutor.INSTANCE;
        }

        @Override
        public void deliver(Delivery d) {
            delivered.add(d.msg().topic() + "@" + d.msg().offset());
        }

        @Override
        public void write(ByteBuf frame, boolean binary) {
            frame.release();
        }

        @Override
        public void send(Frame frame) {
            sent.add(frame);
        }

        @Override
        public void send(ByteBuf encoded, boolean binary) {
            encoded.release();
        }

        @Override
        public void close(int code, String reason) {
            closes.add(code + " " + reason);
        }

        @Override
        public long queuedBytes() {
            return 0;
        }

        @Override
        public String kind() {
            return "recording";
        }

        String lastResult() {
            Frame last = sent.get(sent.size() - 1);
            assertThat(last).isInstanceOf(Frame.Result.class);
            return new String(((Frame.Result) last).data().bytes(), StandardCharsets.UTF_8);
        }
    }

    /** One connection: its core, its resumption, and what it was sent. */
    final class Client {
        final Recording out = new Recording();
        final Connection connection = new Connection(hub,
                new Admission(LimitsConfig.DEFAULT, 10, () -> false, new SecurityCounters(), clock::nanoTime),
                Permissions.parse(List.of()).scope(Identity.ANONYMOUS), out);
        final Resumption resumption = new Resumption(sessions, connection,
                new ConnectionPresence(presence, connection, "c"), out, "test", Runnable::run);

        Client(String cookieToken) {
            resumption.opening(sessions.open(cookieToken, Identity.ANONYMOUS));
        }

        String session(long id, String token, Frame.Position... since) {
            resumption.command(new Frame.Session(id, token, List.of(since)));
            return out.lastResult();
        }

        void close() {
            resumption.closed();
            connection.closed();
        }
    }

    private void publish(String topic, int n) {
        hub.publish(topic, Payload.json("{\"n\":" + n + "}")).toCompletableFuture().join();
    }

    private static String token(String result) {
        Matcher m = TOKEN.matcher(result);
        assertThat(m.find()).as(result).isTrue();
        return m.group(1);
    }

    /** A client with a durable subscription to {@code pattern}, closed: its session waits to be resumed. */
    private String detachedWithDurable(String pattern) {
        Client first = new Client(null);
        first.resumption.markDurable(pattern, true);
        assertThat(first.connection.subscribe(pattern)).isNull();
        String token = token(first.session(1, null));
        first.close();
        return token;
    }

    @Test
    void aSessionIsResumedWithinItsTtlWithItsDurableSubscriptions() {
        String token = detachedWithDurable("d.x");
        clock.advance(SessionConfig.DEFAULT.ttl().minusSeconds(1));
        Client second = new Client(null);
        String result = second.session(2, token);
        assertThat(result).contains("\"resumed\":true").contains("\"subscriptions\":[");
        assertThat(second.connection.subscriptions()).containsExactly("d.x");
        publish("d.x", 1);
        assertThat(second.out.delivered).containsExactly("d.x@1");
        assertThat(sessions.resumedCount()).isEqualTo(1);
    }

    @Test
    void aSessionPastItsTtlIsNotResumedAndANewOneIsGiven() {
        String token = detachedWithDurable("d.x");
        clock.advance(SessionConfig.DEFAULT.ttl().plusSeconds(1));
        Client second = new Client(null);
        String result = second.session(2, token);
        assertThat(result).contains("\"resumed\":false").contains("\"reason\":\"expired\"");
        assertThat(token(result)).isNotEqualTo(token);
        assertThat(second.connection.subscriptions()).isEmpty();
    }

    @Test
    void aWrongTokenIsRefused() {
        String token = detachedWithDurable("d.x");
        Client second = new Client(null);
        String altered = token.substring(0, token.length() - 1) + (token.endsWith("A") ? "B" : "A");
        second.resumption.command(new Frame.Session(3, altered, List.of()));
        assertThat(second.out.sent).last().isInstanceOfSatisfying(Frame.Error.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.SESSION_REFUSED.wire()));
        assertThat(second.connection.subscriptions()).isEmpty();
        assertThat(sessions.refusedCount()).isEqualTo(1);
    }

    @Test
    void aResumedSubscriptionRecoversFromTheClientsPositionInItsEpoch() {
        String token = detachedWithDurable("d.x");
        publish("d.x", 1);
        publish("d.x", 2);
        publish("d.x", 3); // published while no connection held the session
        String epoch = hub.position("d.x").toCompletableFuture().join().epoch();
        Client second = new Client(null);
        String result = second.session(2, token, new Frame.Position("d.x", 1, epoch));
        assertThat(result).contains("\"resumed\":true");
        assertThat(second.out.delivered).as("replayed after the client's position").containsExactly("d.x@2", "d.x@3");
    }
}
