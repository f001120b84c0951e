package dev.ferry.server.time;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The test clock: time moves only when advanced, and what falls due runs on its executor, in deadline order. */
class ManualClockTest {
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    private final ManualClock clock = new ManualClock(1_000_000);
    private final List<String> ran = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    @Test
    void timersFireInDeadlineOrderAtTheirOwnTimeOnTheirExecutor() {
        clock.schedule(executor, () -> ran.add("b@" + clock.millis()), 2, TimeUnit.SECONDS);
        clock.schedule(executor, () -> ran.add("a@" + clock.millis() + " " + Thread.currentThread().getName()
                .startsWith("pool")), 1, TimeUnit.SECONDS);
        clock.advance(Duration.ofMillis(999));
        assertThat(ran).as("nothing due yet").isEmpty();
        assertThat(clock.millis()).isEqualTo(1_000_999);
        clock.advance(Duration.ofSeconds(5));
        assertThat(ran).containsExactly("a@1001000 true", "b@1002000");
        assertThat(clock.millis()).isEqualTo(1_005_999);
        assertThat(clock.timers()).isZero();
    }

    @Test
    void periodicTimersFireEveryPeriodUntilCancelled() {
        ScheduledFuture<?> f = clock.scheduleAtFixedRate(executor, () -> ran.add("tick"), 1, TimeUnit.SECONDS);
        clock.advance(Duration.ofMillis(3500));
        assertThat(ran).hasSize(3);
        f.cancel(false);
        clock.advance(Duration.ofSeconds(10));
        assertThat(ran).hasSize(3);
        assertThat(f.isCancelled()).isTrue();
    }

    @Test
    void aCancelledTimerNeverFiresAndATimerWithNoDelayRunsAtOnce() throws Exception {
        ScheduledFuture<?> f = clock.schedule(executor, () -> ran.add("cancelled"), 1, TimeUnit.SECONDS);
        assertThat(f.cancel(false)).isTrue();
        clock.schedule(executor, () -> ran.add("now"), -5, TimeUnit.MILLISECONDS).get(10, TimeUnit.SECONDS);
        clock.advance(Duration.ofSeconds(2));
        assertThat(ran).containsExactly("now");
    }

    @Test
    void aTimerScheduledByAFiringTimerFiresInTheSameAdvanceWhenDue() {
        clock.schedule(executor, () -> clock.schedule(executor, () -> ran.add("second@" + clock.millis()), 1,
                TimeUnit.SECONDS), 1, TimeUnit.SECONDS);
        clock.advance(Duration.ofSeconds(3));
        assertThat(ran).containsExactly("second@1002000");
    }

    @Test
    void theSystemClockIsTheRealTime() {
        ServerClock system = ServerClock.system();
        assertThat(system.millis()).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(5_000L));
        assertThat(system.instant().toEpochMilli()).isCloseTo(system.millis(), org.assertj.core.data.Offset.offset(5_000L));
    }
}
