package dev.ferry.server.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.auth.Security;
import dev.ferry.server.auth.TestKeys;
import dev.ferry.server.config.AuthConfig;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.IssuerConfig;
import dev.ferry.server.connection.Admission;
import dev.ferry.server.connection.Connection;
import dev.ferry.server.connection.Transport;
import dev.ferry.server.hub.Delivery;
import dev.ferry.server.hub.Hub;
import dev.ferry.server.testing.ManualClock;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A ferry.v1 connection's identity without sockets: which {@code auth} tokens may replace it, the permissions it
 * then acts with, and its expiry, on a clock the test advances.
 */
class TokenAuthTest {
    private static final String ISS = "https://id.example";
    private static final Duration LIFE = Duration.ofMinutes(10);

    private final ManualClock clock = new ManualClock();
    private final FerryConfig config = FerryConfig.DEFAULT.withAuth(new AuthConfig(true, "ferry_token", true,
            Duration.ZERO, "ferry", List.of("subscribe public.# everyone", "subscribe chat.# authenticated"),
            List.of(new IssuerConfig("main", ISS, TestKeys.SECRET, List.of(), null, null, Duration.ofMinutes(5),
                    List.of("ferry")))));
    private final Security security = new Security(config, clock);
    private final Connection connection = new Connection(new Hub(), new Admission(config.limits(), 10, () -> false,
            security.counters(), clock::nanoTime), security.permissions().scope(Identity.ANONYMOUS), new Silent());
    private final AtomicInteger expired = new AtomicInteger();
    private final TokenAuth auth = new TokenAuth(security, clock, connection, ImmediateEventExecutor.INSTANCE,
            expired::incrementAndGet);

    @AfterEach
    void close() {
        security.close();
    }

    private String token(String sub) {
        return TestKeys.hs(JWSAlgorithm.HS256, TestKeys.SECRET, null, TestKeys.claims(ISS, sub)
                .expirationTime(Date.from(clock.instant().plus(LIFE))).build());
    }

    @Test
    void anAnonymousConnectionTakesATokensIdentityAndItsPermissionsUntilItExpires() {
        assertThat(connection.admitSubscribe("chat.a")).isNotNull();
        TokenAuth.Verdict v = auth.verify(token("alice"));
        assertThat(v.refusal()).isNull();
        auth.adopt(v.next());
        assertThat(connection.identity().name()).isEqualTo("alice");
        assertThat(connection.admitSubscribe("chat.a")).as("authenticated now").isNull();

        clock.advance(LIFE.minusSeconds(2));
        assertThat(expired).hasValue(0);
        clock.advance(Duration.ofSeconds(2));
        assertThat(expired).as("closed at exp, on the server clock").hasValue(1);
    }

    @Test
    void anAuthenticatedConnectionOnlyRefreshesItsOwnPrincipal() {
        auth.adopt(auth.verify(token("alice")).next());
        long failedBefore = security.counters().snapshot().authFailures();
        TokenAuth.Verdict other = auth.verify(token("bob"));
        assertThat(other.next()).isNull();
        assertThat(other.refusal()).contains("cannot replace it");
        assertThat(security.counters().snapshot().authFailures()).isEqualTo(failedBefore + 1);

        clock.advance(LIFE.dividedBy(2));
        TokenAuth.Verdict refresh = auth.verify(token("alice"));
        assertThat(refresh.refusal()).isNull();
        auth.adopt(refresh.next());
        clock.advance(LIFE.dividedBy(2).plusSeconds(1));
        assertThat(expired).as("the refresh pushed the expiry back").hasValue(0);
        clock.advance(LIFE.dividedBy(2));
        assertThat(expired).hasValue(1);
    }

    @Test
    void aBadTokenIsRefusedAndCancelStopsTheExpiry() {
        assertThat(auth.verify("not.a.token").refusal()).isNotBlank();
        auth.adopt(auth.verify(token("alice")).next());
        auth.cancel();
        clock.advance(LIFE.plusSeconds(1));
        assertThat(expired).hasValue(0);
    }

    /** A transport that writes nowhere: these tests look at identity only. */
    private static final class Silent implements Transport {
        @Override
        public EventExecutor executor() {
            return ImmediateEventExecutor.INSTANCE;
        }

        @Override
        public void deliver(Delivery d) {
        }

        @Override
        public void write(ByteBuf frame, boolean binary) {
            frame.release();
        }

        @Override
        public void close(int code, String reason) {
        }
    }
}
