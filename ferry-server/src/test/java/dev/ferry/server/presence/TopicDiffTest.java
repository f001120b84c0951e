package dev.ferry.server.presence;

import dev.ferry.server.store.PresenceEntry;
import dev.ferry.server.store.PresenceChange;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Payload;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The coalescing of one window: only the difference between its start and its end is pushed. */
class TopicDiffTest {
    static PresenceEntry e(String conn, String info) {
        return new PresenceEntry(conn, "u", info == null ? null : Payload.json(info), 1);
    }

    static String joins(Frame.PresenceDiff d) {
        return new String(d.joins().bytes(), StandardCharsets.UTF_8);
    }

    static String leaves(Frame.PresenceDiff d) {
        return new String(d.leaves().bytes(), StandardCharsets.UTF_8);
    }

    @Test
    void joinThenLeaveWithinTheWindowIsNothing() {
        TopicDiff d = new TopicDiff(10);
        d.add(PresenceChange.join(e("a", null)));
        d.add(PresenceChange.leave(e("a", null)));
        assertThat(d.toFrame("t")).isNull();
    }

    @Test
    void leaveThenTheSameJoinIsNothingAndAChangedEntryIsLeavePlusJoin() {
        TopicDiff same = new TopicDiff(10);
        same.add(PresenceChange.leave(e("a", "{\"x\":1}")));
        same.add(PresenceChange.join(e("a", "{\"x\":1}")));
        assertThat(same.toFrame("t")).isNull();

        TopicDiff changed = new TopicDiff(10);
        changed.add(PresenceChange.leave(e("a", "{\"x\":1}")));
        changed.add(PresenceChange.join(e("a", "{\"x\":2}")));
        changed.add(PresenceChange.leave(e("a", "{\"x\":2}")));
        changed.add(PresenceChange.join(e("a", "{\"x\":3}")));
        Frame.PresenceDiff f = changed.toFrame("t");
        assertThat(leaves(f)).contains("\"x\":1").doesNotContain("\"x\":2");
        assertThat(joins(f)).contains("\"x\":3").doesNotContain("\"x\":2");
        assertThat(f.reset()).isFalse();
    }

    @Test
    void aReconnectStormIsTheFirstLeaveAndTheLastJoin() {
        TopicDiff d = new TopicDiff(1000);
        d.add(PresenceChange.leave(e("c0", null)));
        for (int i = 1; i < 200; i++) {
            d.add(PresenceChange.join(e("c" + i, null)));
            d.add(PresenceChange.leave(e("c" + i, null)));
        }
        d.add(PresenceChange.join(e("c200", null)));
        Frame.PresenceDiff f = d.toFrame("t");
        assertThat(leaves(f)).isEqualTo("[" + new String(e("c0", null).json(), StandardCharsets.UTF_8) + "]");
        assertThat(joins(f)).isEqualTo("[" + new String(e("c200", null).json(), StandardCharsets.UTF_8) + "]");
    }

    @Test
    void moreConnectionsThanMaxDiffBecomeOneReset() {
        TopicDiff d = new TopicDiff(3);
        for (int i = 0; i < 4; i++) {
            d.add(PresenceChange.join(e("c" + i, null)));
        }
        d.add(PresenceChange.join(e("later", null)));
        Frame.PresenceDiff f = d.toFrame("t");
        assertThat(f.reset()).isTrue();
        assertThat(joins(f)).isEqualTo("[]");
        assertThat(leaves(f)).isEqualTo("[]");

        TopicDiff exactly = new TopicDiff(3);
        for (int i = 0; i < 3; i++) {
            exactly.add(PresenceChange.join(e("c" + i, null)));
        }
        assertThat(exactly.toFrame("t").reset()).isFalse();
    }
}
