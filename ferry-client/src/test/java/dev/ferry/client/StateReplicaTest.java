package dev.ferry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.config.StateConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.TcpRelay;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Java client's state channel replica (docs/protocol.md §4.6) against a real server. */
class StateReplicaTest {
    static final long TIMEOUT_S = 30;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension(c -> c.withState(
            new StateConfig(1 << 16, false, List.of(new StateConfig.Channel("docs", "doc.#", 1 << 16)))));

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    private static StateChange take(BlockingQueue<StateChange> q) throws InterruptedException {
        StateChange c = q.poll(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(c).as("a state change within " + TIMEOUT_S + " s").isNotNull();
        return c;
    }

    @Test
    void replicaStartsFromASnapshotAndAppliesEveryChange() throws Exception {
        try (FerryClient writer = FerryClient.connect(server.wsUri()); FerryClient reader = FerryClient.connect(server.wsUri())) {
            writer.mergeState("doc.j1", json("{'title':'a','items':[1]}")).get(TIMEOUT_S, TimeUnit.SECONDS);
            BlockingQueue<StateChange> changes = new LinkedBlockingQueue<>();
            StateReplica replica = reader.followState("doc.j1", changes::add).get(TIMEOUT_S, TimeUnit.SECONDS);
            StateChange first = take(changes);
            assertThat(first.isSnapshot()).isTrue();
            assertThat(first.version()).isEqualTo(1);
            assertThat(replica.document()).isEqualTo(json("{'title':'a','items':[1]}"));

            writer.patchState("doc.j1", json("[{'op':'add','path':'/items/-','value':2}]")).get(TIMEOUT_S, TimeUnit.SECONDS);
            writer.mergeState("doc.j1", json("{'title':null,'done':true}")).get(TIMEOUT_S, TimeUnit.SECONDS);
            StateChange second = take(changes);
            assertThat(second.isSnapshot()).isFalse();
            assertThat(second.version()).isEqualTo(2);
            assertThat(second.patch()).isEqualTo(json("[{'op':'add','path':'/items/-','value':2}]"));
            StateChange third = take(changes);
            assertThat(third.document()).isEqualTo(json("{'items':[1,2],'done':true}"));
            assertThat(replica.version()).isEqualTo(3);
            assertThat(replica.document()).isEqualTo(reader.getState("doc.j1").get(TIMEOUT_S, TimeUnit.SECONDS).path("data"));

            replica.close().get(TIMEOUT_S, TimeUnit.SECONDS);
            writer.mergeState("doc.j1", json("{'after':1}")).get(TIMEOUT_S, TimeUnit.SECONDS);
            assertThat(changes.poll(200, TimeUnit.MILLISECONDS)).isNull();
            assertThat(replica.version()).isEqualTo(3);
        }
    }

    @Test
    void replicaCatchesUpWithPatchesAfterANetworkCut() throws Exception {
        try (TcpRelay relay = new TcpRelay(server.port()); FerryClient writer = FerryClient.connect(server.wsUri())) {
            RecoveryTest.Events events = new RecoveryTest.Events();
            FerryClient reader = FerryClient.builder().uri(URI.create("ws://127.0.0.1:" + relay.port() + "/v1/ws"))
                    .backoff(Duration.ofMillis(50), Duration.ofMillis(200)).listener(events).build().connect();
            try {
                events.await("connected");
                BlockingQueue<StateChange> changes = new LinkedBlockingQueue<>();
                StateReplica replica = reader.followState("doc.j2", changes::add).get(TIMEOUT_S, TimeUnit.SECONDS);
                assertThat(take(changes).document()).isEqualTo(json("{}"));
                writer.mergeState("doc.j2", json("{'n':1}")).get(TIMEOUT_S, TimeUnit.SECONDS);
                assertThat(take(changes).version()).isEqualTo(1);

                relay.block();
                relay.cutAll();
                events.await("disconnected");
                for (int i = 2; i <= 5; i++) {
                    writer.mergeState("doc.j2", json("{'n':" + i + "}")).get(TIMEOUT_S, TimeUnit.SECONDS);
                }
                relay.unblock();
                events.await("reconnected");
                for (int v = 2; v <= 5; v++) {
                    StateChange c = take(changes);
                    assertThat(c.isSnapshot()).as("version " + v + " arrives as a patch").isFalse();
                    assertThat(c.version()).isEqualTo(v);
                }
                assertThat(replica.document()).isEqualTo(json("{'n':5}"));
                writer.mergeState("doc.j2", json("{'n':6}")).get(TIMEOUT_S, TimeUnit.SECONDS);
                assertThat(take(changes).document()).isEqualTo(json("{'n':6}"));
            } finally {
                reader.close();
            }
        }
    }

    @Test
    void staleCompareAndSetFailsWithTheCurrentVersion() throws Exception {
        try (FerryClient c = FerryClient.connect(server.wsUri())) {
            long v = c.mergeState("doc.j3", json("{'a':1}")).get(TIMEOUT_S, TimeUnit.SECONDS).path("version").asLong();
            assertThat(c.mergeState("doc.j3", json("{'a':2}"), v).get(TIMEOUT_S, TimeUnit.SECONDS).path("version").asLong())
                    .isEqualTo(v + 1);
            assertThatThrownBy(() -> c.mergeState("doc.j3", json("{'a':3}"), v).get(TIMEOUT_S, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(FerryException.class)
                    .satisfies(e -> {
                        assertThat(((FerryException) e).code()).isEqualTo("state_conflict");
                    });
            assertThatThrownBy(() -> c.followState("plain.j3", null).get(TIMEOUT_S, TimeUnit.SECONDS))
                    .cause().isInstanceOf(FerryException.class).hasMessageContaining("not a state channel");
        }
    }
}
