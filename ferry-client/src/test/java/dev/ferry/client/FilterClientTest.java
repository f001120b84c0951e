package dev.ferry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.TcpRelay;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Publication tags and subscription filters from the Java client (docs/protocol.md §4.4). */
class FilterClientTest {
    static final long TIMEOUT_S = 30;

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension();

    private static Message take(BlockingQueue<Message> q) throws InterruptedException {
        Message m = q.poll(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(m).as("a message within " + TIMEOUT_S + " s").isNotNull();
        return m;
    }

    @Test
    void tagsReachSubscribersAndFiltersSelectByTagsAndData() throws Exception {
        try (FerryClient pub = FerryClient.connect(server.wsUri()); FerryClient sub = FerryClient.connect(server.wsUri())) {
            BlockingQueue<Message> east = new LinkedBlockingQueue<>();
            BlockingQueue<Message> all = new LinkedBlockingQueue<>();
            sub.subscribe("sensors.*", east::add, SubscribeOptions.defaults()
                    .filter("tags.region == 'east' and temp > 30")).get(TIMEOUT_S, TimeUnit.SECONDS);
            try (FerryClient other = FerryClient.connect(server.wsUri())) {
                other.subscribe("sensors.*", all::add).get(TIMEOUT_S, TimeUnit.SECONDS);
                pub.publishAck("sensors.a", Map.of("temp", 35), Map.of("region", "west")).get(TIMEOUT_S, TimeUnit.SECONDS);
                pub.publishAck("sensors.a", Map.of("temp", 20), Map.of("region", "east")).get(TIMEOUT_S, TimeUnit.SECONDS);
                pub.publish("sensors.b", Map.of("temp", 31), Map.of("region", "east"));
                pub.publishAck("sensors.b", Map.of("temp", 40)).get(TIMEOUT_S, TimeUnit.SECONDS);

                Message m = take(east);
                assertThat(m.topic()).isEqualTo("sensors.b");
                assertThat(m.data().path("temp").asInt()).isEqualTo(31);
                assertThat(m.tags()).containsEntry("region", "east");
                for (int i = 0; i < 4; i++) {
                    Message a = take(all);
                    assertThat(a.tags().isEmpty()).isEqualTo(a.data().path("temp").asInt() == 40);
                }
                assertThat(east.poll(200, TimeUnit.MILLISECONDS)).isNull();
            }
        }
    }

    @Test
    void aBadFilterFailsTheSubscriptionWithBadFilter() {
        try (FerryClient sub = FerryClient.connect(server.wsUri())) {
            assertThatThrownBy(() -> sub.subscribe("x.y", m -> { }, SubscribeOptions.defaults().filter("temp >"))
                    .get(TIMEOUT_S, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(FerryException.class)
                    .cause().hasMessageContaining("filter");
        }
    }

    @Test
    void aDurableFilteredSubscriptionKeepsItsFilterAcrossAReconnect() throws Exception {
        try (TcpRelay relay = new TcpRelay(server.port()); FerryClient pub = FerryClient.connect(server.wsUri())) {
            RecoveryTest.Events events = new RecoveryTest.Events();
            try (FerryClient c = FerryClient.builder().uri(URI.create("ws://127.0.0.1:" + relay.port() + "/v1/ws"))
                    .backoff(Duration.ofMillis(50), Duration.ofMillis(200)).listener(events).build().connect()) {
                events.await("connected");
                BlockingQueue<Message> got = new LinkedBlockingQueue<>();
                c.subscribe("orders.*", got::add, SubscribeOptions.defaults().durable(true).filter("tags.kind == 'big'"))
                        .get(TIMEOUT_S, TimeUnit.SECONDS);
                pub.publishAck("orders.eu", 1, Map.of("kind", "big")).get(TIMEOUT_S, TimeUnit.SECONDS);
                pub.publishAck("orders.eu", 2, Map.of("kind", "small")).get(TIMEOUT_S, TimeUnit.SECONDS);
                assertThat(take(got).offset()).isEqualTo(1);

                relay.block();
                relay.cutAll();
                events.await("disconnected");
                pub.publishAck("orders.eu", 3, Map.of("kind", "small")).get(TIMEOUT_S, TimeUnit.SECONDS);
                pub.publishAck("orders.eu", 4, Map.of("kind", "big")).get(TIMEOUT_S, TimeUnit.SECONDS);
                relay.unblock();
                events.await("reconnected");
                pub.publishAck("orders.eu", 5, Map.of("kind", "small")).get(TIMEOUT_S, TimeUnit.SECONDS);
                pub.publishAck("orders.eu", 6, Map.of("kind", "big")).get(TIMEOUT_S, TimeUnit.SECONDS);

                // replayed and live, through the filter the session restored with the subscription
                assertThat(take(got).offset()).isEqualTo(4);
                assertThat(take(got).offset()).isEqualTo(6);
                assertThat(got.poll(200, TimeUnit.MILLISECONDS)).isNull();
            }
        }
    }
}
