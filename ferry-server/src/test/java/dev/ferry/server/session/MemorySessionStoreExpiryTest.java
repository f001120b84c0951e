package dev.ferry.server.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Expired sessions are freed by the store's timer run, without a new session being stored or looked up. */
class MemorySessionStoreExpiryTest {
    @Test
    void expiredSessionsAreFreedWithoutBeingTouched() {
        AtomicLong offset = new AtomicLong();
        MemorySessionStore store = new MemorySessionStore(() -> System.nanoTime() + offset.get());
        long ttl = Duration.ofSeconds(30).toNanos();
        for (int i = 0; i < 5; i++) {
            store.put(new ResumableSession("s" + i, "t" + i, "p", ttl));
        }
        Object connection = new Object();
        ResumableSession attached = new ResumableSession("live", "t", "p", ttl);
        attached.attach(connection);
        store.put(attached);
        assertThat(store.expire()).isZero();
        assertThat(store.size()).isEqualTo(6);

        offset.set(Duration.ofSeconds(31).toNanos());
        assertThat(store.expire()).isEqualTo(5);
        assertThat(store.size()).as("an attached session does not expire").isEqualTo(1);
        assertThat(store.get("live")).isSameAs(attached);
    }
}
