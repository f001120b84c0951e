package dev.ferry.server.session;

import dev.ferry.server.store.ResumableSession;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.testing.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Expired sessions are freed by the store's timer run, without a new session being stored or looked up. */
class MemorySessionStoreExpiryTest {
    @Test
    void expiredSessionsAreFreedWithoutBeingTouched() {
        ManualClock clock = new ManualClock();
        MemorySessionStore store = new MemorySessionStore(clock);
        long ttl = Duration.ofSeconds(30).toNanos();
        for (int i = 0; i < 5; i++) {
            store.put(new ResumableSession("s" + i, "t" + i, "p", ttl, clock));
        }
        Object connection = new Object();
        ResumableSession attached = new ResumableSession("live", "t", "p", ttl, clock);
        attached.attach(connection);
        store.put(attached);
        clock.advance(Duration.ofSeconds(30));
        assertThat(store.expire()).as("not past the ttl yet").isZero();
        assertThat(store.size()).isEqualTo(6);

        clock.advance(Duration.ofSeconds(1));
        assertThat(store.expire()).isEqualTo(5);
        assertThat(store.size()).as("an attached session does not expire").isEqualTo(1);
        assertThat(store.get("live")).isSameAs(attached);
    }
}
