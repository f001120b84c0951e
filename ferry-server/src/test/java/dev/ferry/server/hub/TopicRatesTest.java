package dev.ferry.server.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ferry.server.testing.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Per-topic publication rates: the decay, and the bound on the topics tracked. */
class TopicRatesTest {
    private final ManualClock clock = new ManualClock();
    private final TopicRates rates = new TopicRates(clock);

    @Test
    void aSteadyRateReadsItselfAndDecaysOnceItStops() {
        for (int s = 0; s < 60; s++) {
            for (int i = 0; i < 4; i++) {
                rates.published("steady.t");
            }
            clock.advance(Duration.ofSeconds(1));
        }
        assertThat(rates.rate("steady.t")).as("4 per second after 6 time constants").isCloseTo(4, within(0.25));
        assertThat(rates.active()).singleElement().satisfies(r -> assertThat(r.publications()).isEqualTo(240));
        double before = rates.rate("steady.t");
        clock.advance(Duration.ofSeconds((long) TopicRates.TAU_SECONDS));
        assertThat(rates.rate("steady.t")).isCloseTo(before * Math.exp(-1), within(1e-9));
        assertThat(rates.sweep()).isZero();
        clock.advance(Duration.ofSeconds(60));
        assertThat(rates.sweep()).as("under the idle rate").isEqualTo(1);
        assertThat(rates.size()).isZero();
        assertThat(rates.rate("steady.t")).isZero();
    }

    @Test
    void atMostMaxTopicsAreTrackedAndIdleOnesMakeRoom() {
        for (int i = 0; i < TopicRates.MAX_TOPICS; i++) {
            rates.published("many." + i);
        }
        rates.published("one.more");
        assertThat(rates.size()).isEqualTo(TopicRates.MAX_TOPICS);
        assertThat(rates.untracked()).isEqualTo(1);
        assertThat(rates.rate("one.more")).isZero();

        clock.advance(Duration.ofSeconds(60)); // 0.1 * e^-6 < 0.01: every topic idle
        rates.published("one.more");
        assertThat(rates.size()).as("the idle topics were swept to make room").isEqualTo(1);
        assertThat(rates.rate("one.more")).isCloseTo(1 / TopicRates.TAU_SECONDS, within(1e-9));
        assertThat(rates.untracked()).isEqualTo(1);
    }
}
