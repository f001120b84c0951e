package dev.ferry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.testing.FerryServerExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PubSubTest {
    static final long TIMEOUT_S = 30;

    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension();

    private FerryClient publisher;
    private FerryClient subscriber;

    @BeforeEach
    void connect() {
        publisher = FerryClient.connect(server.wsUri());
        subscriber = FerryClient.connect(server.wsUri());
    }

    @AfterEach
    void close() {
        publisher.close();
        subscriber.close();
    }

    static Message next(BlockingQueue<Message> inbox) throws InterruptedException {
        Message m = inbox.poll(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(m).as("a message within %s s", TIMEOUT_S).isNotNull();
        return m;
    }

    @Test
    void wildcardSubscriptionsReceivePublicationsWithOffsets() throws Exception {
        BlockingQueue<Message> oneWord = new LinkedBlockingQueue<>();
        BlockingQueue<Message> anyWords = new LinkedBlockingQueue<>();
        subscriber.subscribe("chat.*", oneWord::add).get(TIMEOUT_S, TimeUnit.SECONDS);
        subscriber.subscribe("chat.#", anyWords::add).get(TIMEOUT_S, TimeUnit.SECONDS);

        long first = publisher.publishAck("chat.room1", Map.of("text", "hi")).get(TIMEOUT_S, TimeUnit.SECONDS);
        long second = publisher.publishAck("chat.room1", Map.of("text", "again")).get(TIMEOUT_S, TimeUnit.SECONDS);
        publisher.publishAck("chat.room1.thread7", "deep").get(TIMEOUT_S, TimeUnit.SECONDS);

        assertThat(first).isEqualTo(1);
        assertThat(second).isEqualTo(2);
        Message m = next(oneWord);
        assertThat(m.topic()).isEqualTo("chat.room1");
        assertThat(m.offset()).isEqualTo(1);
        assertThat(m.data().get("text").asText()).isEqualTo("hi");
        assertThat(m.isBinary()).isFalse();
        assertThat(next(oneWord).offset()).isEqualTo(2);

        assertThat(List.of(next(anyWords).offset(), next(anyWords).offset())).containsExactly(1L, 2L);
        Message deep = next(anyWords);
        assertThat(deep.topic()).isEqualTo("chat.room1.thread7");
        assertThat(deep.data().asText()).isEqualTo("deep");
        // chat.* does not match three words; the next thing it sees is a later publication
        publisher.publishAck("chat.room2", 3).get(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(next(oneWord).topic()).isEqualTo("chat.room2");
    }

    record Reading(String sensor, double value) {
    }

    /** The acknowledgement names the epoch with the offset, as the subscribers' {@code msg} frames carry them. */
    @Test
    void publishAckedYieldsTheTopicEpochAndOffset() throws Exception {
        try (dev.ferry.server.testing.WsTestClient raw = dev.ferry.server.testing.WsTestClient.connect(server.wsUri())) {
            raw.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"acked.t\"}");
            raw.nextJson();
            Published first = publisher.publishAcked("acked.t", 1).get(TIMEOUT_S, TimeUnit.SECONDS);
            Published second = publisher.publishAcked("acked.t", 2, Map.of("k", "v")).get(TIMEOUT_S, TimeUnit.SECONDS);
            JsonNode msg = raw.nextJson();
            assertThat(first).isEqualTo(new Published("acked.t", msg.path("epoch").asText(), msg.path("offset").asLong()));
            assertThat(second).isEqualTo(new Published("acked.t", first.epoch(), first.offset() + 1));
        }
    }

    @Test
    void dataConvertsToRecords() throws Exception {
        BlockingQueue<Message> inbox = new LinkedBlockingQueue<>();
        subscriber.subscribe("sensors.#", inbox::add).get(TIMEOUT_S, TimeUnit.SECONDS);
        publisher.publish("sensors.eu.berlin", new Reading("t1", 21.5)).get(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(next(inbox).dataAs(Reading.class)).isEqualTo(new Reading("t1", 21.5));
    }

    @Test
    void binaryPayloadsArriveByteForByte() throws Exception {
        BlockingQueue<Message> inbox = new LinkedBlockingQueue<>();
        subscriber.subscribe("files.#", inbox::add).get(TIMEOUT_S, TimeUnit.SECONDS);
        byte[] blob = new byte[300_000];
        for (int i = 0; i < blob.length; i++) {
            blob[i] = (byte) (i * 31);
        }
        blob[0] = '\n';
        publisher.publish("files.a", blob).get(TIMEOUT_S, TimeUnit.SECONDS);
        publisher.publish("files.empty", new byte[0]).get(TIMEOUT_S, TimeUnit.SECONDS);
        Message m = next(inbox);
        assertThat(m.isBinary()).isTrue();
        assertThat(m.data()).isNull();
        assertThat(m.binary()).isEqualTo(blob);
        assertThat(next(inbox).binary()).isEmpty();
    }

    @Test
    void manyFireAndForgetPublicationsArriveInOrder() throws Exception {
        // Sent back to back: the client batches them into few WebSocket messages, the server may batch too.
        int n = 2000;
        BlockingQueue<Message> inbox = new LinkedBlockingQueue<>();
        subscriber.subscribe("load.t", inbox::add).get(TIMEOUT_S, TimeUnit.SECONDS);
        for (int i = 0; i < n; i++) {
            publisher.publish("load.t", i);
        }
        long last = publisher.publishAck("load.t", n).get(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(last).isEqualTo(n + 1);
        for (int i = 0; i <= n; i++) {
            Message m = next(inbox);
            assertThat(m.offset()).isEqualTo(i + 1);
            assertThat(m.data().asInt()).isEqualTo(i);
        }
    }

    @Test
    void unsubscribeStopsDeliveryToThatHandlerOnly() throws Exception {
        BlockingQueue<Message> a = new LinkedBlockingQueue<>();
        BlockingQueue<Message> b = new LinkedBlockingQueue<>();
        Subscription sa = subscriber.subscribe("news.*", a::add).get(TIMEOUT_S, TimeUnit.SECONDS);
        subscriber.subscribe("news.*", b::add).get(TIMEOUT_S, TimeUnit.SECONDS);
        sa.unsubscribe().get(TIMEOUT_S, TimeUnit.SECONDS);
        publisher.publishAck("news.today", "x").get(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(next(b).data().asText()).isEqualTo("x");
        assertThat(a).isEmpty();
    }

    @Test
    void invalidTopicsFailWithBadTopic() {
        assertThatThrownBy(() -> publisher.publishAck("a.*", 1).get(TIMEOUT_S, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.code()).isEqualTo("bad_topic"));
        assertThatThrownBy(() -> subscriber.subscribe("a..b", m -> { }).get(TIMEOUT_S, TimeUnit.SECONDS))
                .cause().isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.code()).isEqualTo("bad_topic"));
    }

    @Test
    void pingMeasuresRoundTrip() throws Exception {
        Duration rtt = publisher.ping().get(TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(rtt).isPositive();
    }

    @Test
    void subscribeBeforeConnectIsEstablishedOnConnect() throws Exception {
        BlockingQueue<Message> inbox = new LinkedBlockingQueue<>();
        try (FerryClient late = FerryClient.builder().uri(server.wsUri()).build()) {
            var pendingSub = late.subscribe("early.bird", inbox::add);
            assertThat(pendingSub).isNotDone();
            late.connect();
            pendingSub.get(TIMEOUT_S, TimeUnit.SECONDS);
            publisher.publishAck("early.bird", true).get(TIMEOUT_S, TimeUnit.SECONDS);
            JsonNode data = next(inbox).data();
            assertThat(data.asBoolean()).isTrue();
        }
    }
}
