package dev.ferry.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
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

    @Test
    void everyMemberIsTickedUntilItLeavesEvenWhenMembersLeaveDuringATick() {
        EmbeddedChannel ch = new EmbeddedChannel();
        try {
            // ping interval 400 ms: a tick every 100 ms
            Heartbeats beats = new Heartbeats.PerLoop(TimeUnit.MILLISECONDS.toNanos(400)).get();
            List<Counting> members = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                Counting c = new Counting();
                members.add(c);
                beats.join(ch.eventLoop(), c);
            }
            beats.join(ch.eventLoop(), members.get(0)); // joining twice is joining once
            assertThat(beats.size()).isEqualTo(40);

            ch.advanceTimeBy(100, TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
            assertThat(members).allSatisfy(c -> assertThat(c.ticks).isEqualTo(1));

            Counting first = members.get(0);
            Counting fifth = members.get(5);
            Counting last = members.get(39);
            first.onTick = () -> beats.leave(first);       // leaves itself
            members.get(10).onTick = () -> beats.leave(last); // leaves a member not yet ticked this round
            members.get(20).onTick = () -> beats.leave(fifth); // and one already ticked
            ch.advanceTimeBy(100, TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
            assertThat(beats.size()).isEqualTo(37);
            assertThat(last.ticks).isEqualTo(1);
            assertThat(fifth.ticks).isEqualTo(2);

            ch.advanceTimeBy(100, TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
            assertThat(first.ticks).isEqualTo(2);
            assertThat(fifth.ticks).isEqualTo(2);
            assertThat(last.ticks).isEqualTo(1);
            assertThat(members.get(1).ticks).isEqualTo(3);
            assertThat(members.get(38).ticks).isEqualTo(3);

            for (Counting c : members) {
                beats.leave(c); // idempotent for those already gone
            }
            assertThat(beats.size()).isZero();
            ch.advanceTimeBy(100, TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
            assertThat(members.get(1).ticks).isEqualTo(3);
        } finally {
            ch.finishAndReleaseAll();
        }
    }
}
