package dev.ferry.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.testing.ManualClock;
import io.netty.util.concurrent.DefaultEventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HeartbeatsTest {
    /** Counts its ticks; may leave (itself or another member) from within one. */
    private static final class Counting extends Heartbeats.Member {
        int ticks;
        Runnable onTick = () -> { };

        @Override
        protected void tick(long nowNanos) {
            ticks++;
            onTick.run();
        }
    }

    /** Runs {@code r} on {@code loop} and waits for it: joining and leaving happen on the event loop. */
    private static void on(DefaultEventExecutor loop, Runnable r) throws Exception {
        loop.submit(r).get(10, TimeUnit.SECONDS);
    }

    @Test
    void everyMemberIsTickedUntilItLeavesEvenWhenMembersLeaveDuringATick() throws Exception {
        DefaultEventExecutor loop = new DefaultEventExecutor();
        ManualClock clock = new ManualClock();
        Duration tick = Duration.ofMillis(100);
        try {
            // ping interval 400 ms: a tick every 100 ms of the clock, on the loop
            Heartbeats beats = loop.submit(() -> new Heartbeats.PerLoop(TimeUnit.MILLISECONDS.toNanos(400), clock).get())
                    .get(10, TimeUnit.SECONDS);
            List<Counting> members = new ArrayList<>();
            on(loop, () -> {
                for (int i = 0; i < 40; i++) {
                    Counting c = new Counting();
                    members.add(c);
                    beats.join(loop, c);
                }
                beats.join(loop, members.get(0)); // joining twice is joining once
            });
            assertThat(beats.size()).isEqualTo(40);

            clock.advance(tick.minusMillis(1));
            assertThat(members).allSatisfy(c -> assertThat(c.ticks).isZero());
            clock.advance(Duration.ofMillis(1));
            assertThat(members).allSatisfy(c -> assertThat(c.ticks).isEqualTo(1));

            Counting first = members.get(0);
            Counting fifth = members.get(5);
            Counting last = members.get(39);
            first.onTick = () -> beats.leave(first);       // leaves itself
            members.get(10).onTick = () -> beats.leave(last); // leaves a member not yet ticked this round
            members.get(20).onTick = () -> beats.leave(fifth); // and one already ticked
            clock.advance(tick);
            assertThat(beats.size()).isEqualTo(37);
            assertThat(last.ticks).isEqualTo(1);
            assertThat(fifth.ticks).isEqualTo(2);

            clock.advance(tick);
            assertThat(first.ticks).isEqualTo(2);
            assertThat(fifth.ticks).isEqualTo(2);
            assertThat(last.ticks).isEqualTo(1);
            assertThat(members.get(1).ticks).isEqualTo(3);
            assertThat(members.get(38).ticks).isEqualTo(3);

            on(loop, () -> {
                for (Counting c : members) {
                    beats.leave(c); // idempotent for those already gone
                }
            });
            assertThat(beats.size()).isZero();
            clock.advance(tick);
            assertThat(members.get(1).ticks).isEqualTo(3);
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
