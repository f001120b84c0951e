package dev.ferry.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void stepsDoubleUpToTheMaximum() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1));
        assertThat(b.ceiling(0)).isEqualTo(100);
        assertThat(b.ceiling(1)).isEqualTo(200);
        assertThat(b.ceiling(3)).isEqualTo(800);
        assertThat(b.ceiling(4)).isEqualTo(1000);
        assertThat(b.ceiling(1000)).isEqualTo(1000);
    }

    @Test
    void delaysAreJitteredWithinTheUpperHalfOfEachStep() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1));
        for (int attempt = 0; attempt < 100; attempt++) {
            long step = b.ceiling(attempt);
            assertThat(b.nextDelayMs()).isBetween(step / 2, step);
        }
        b.reset();
        assertThat(b.nextDelayMs()).isBetween(50L, 100L);
    }

    @Test
    void goAwayHintIsSpreadAroundTheServersValue() {
        for (int i = 0; i < 100; i++) {
            assertThat(Backoff.jitter(1000)).isBetween(500L, 1500L);
        }
        assertThat(Backoff.jitter(0)).isZero();
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1))).hasMessageContaining("min");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1))).hasMessageContaining("max");
    }

    @Test
    void reconnectsAfterEveryCloseButAProtocolError() {
        assertThat(ClosePolicy.reconnectAfter(1001)).isTrue();
        assertThat(ClosePolicy.reconnectAfter(4001)).isTrue();
        assertThat(ClosePolicy.reconnectAfter(4002)).isTrue();
        assertThat(ClosePolicy.reconnectAfter(1006)).isTrue();
        assertThat(ClosePolicy.reconnectAfter(1002)).isFalse();
        assertThat(ClosePolicy.reconnectAfter(4007)).isFalse(); // another connection resumed the session
        assertThat(ClosePolicy.describe(4001, "slow consumer")).isEqualTo("4001 slow consumer");
    }
}
