package dev.ferry.server.session;

import dev.ferry.server.store.ResumableSession;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.Frame;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which position a resumed session recovers a topic from (docs/protocol.md §4.5): the client's, when it lists one
 * for a topic a durable pattern covers, whatever the session remembered (a state saved by another node up to a
 * second earlier may lack the topic, be behind, or have no epoch yet).
 */
class ResumableSessionTest {
    private static ResumableSession saved(List<String> durable, Frame.Position... positions) {
        return ResumableSession.restored(new ResumableSession.State("id", "token", "anonymous", true, durable,
                List.of(positions), Map.of()), 1_000_000_000L,
                dev.ferry.server.time.ServerClock.system());
    }

    @Test
    void aTopicTheSavedStateLacksIsRecoveredFromTheClientsPosition() {
        ResumableSession s = saved(List.of("r.*"), new Frame.Position("r.t0", 40, "e0"));
        s.align(new Frame.Position("r.late", 37, "e1"));
        assertThat(s.since("r.*")).containsExactlyInAnyOrder(
                new Frame.Position("r.t0", 40, "e0"), new Frame.Position("r.late", 37, "e1"));
    }

    @Test
    void aSavedPositionWithoutEpochGivesWayToTheClients() {
        // a concrete durable topic subscribed before its first publication: remembered at offset 0, no epoch
        ResumableSession s = saved(List.of("d.x"), new Frame.Position("d.x", 0, ""));
        s.align(new Frame.Position("d.x", 5, "e0"));
        assertThat(s.since("d.x")).containsExactly(new Frame.Position("d.x", 5, "e0"));
    }

    @Test
    void theClientsPositionIsTakenAheadOfBehindOrInAnotherEpoch() {
        ResumableSession s = saved(List.of("a.#"), new Frame.Position("a.x", 10, "e0"),
                new Frame.Position("a.y", 10, "e0"), new Frame.Position("a.z", 10, "e0"));
        s.align(new Frame.Position("a.x", 12, "e0")); // saved before the last writes
        s.align(new Frame.Position("a.y", 8, "e0")); // a network cut lost the last writes
        s.align(new Frame.Position("a.z", 3, "e1")); // the client followed the topic into a new epoch
        assertThat(s.since("a.#")).containsExactlyInAnyOrder(new Frame.Position("a.x", 12, "e0"),
                new Frame.Position("a.y", 8, "e0"), new Frame.Position("a.z", 3, "e1"));
    }

    @Test
    void aPositionOfATopicNotFollowedOrWithoutEpochIsIgnored() {
        ResumableSession s = saved(List.of("a.*"), new Frame.Position("a.x", 10, "e0"));
        long before = s.changes();
        s.align(new Frame.Position("b.x", 5, "e0"));
        s.align(new Frame.Position("a.x", 5, null));
        s.align(new Frame.Position("a.x", 10, "e0")); // what it remembers already
        assertThat(s.since("a.*")).containsExactly(new Frame.Position("a.x", 10, "e0"));
        assertThat(s.since("b.x")).isEmpty();
        assertThat(s.changes()).isEqualTo(before);
    }

    @Test
    void aClientAtOffsetZeroNeedsNoEpoch() {
        ResumableSession s = saved(List.of("a.*"), new Frame.Position("a.x", 10, "e0"));
        s.align(new Frame.Position("a.x", 0, null));
        assertThat(s.since("a.*")).containsExactly(new Frame.Position("a.x", 0, ""));
    }
}
