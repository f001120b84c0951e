package dev.ferry.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.Delivery;
import dev.ferry.server.FerryServer;
import dev.ferry.server.testing.Requirements;
import dev.ferry.server.testing.WsTestClient;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bridge against the real RabbitMQ on 127.0.0.1:5672, with exchanges named for this run (deleted after), a
 * Ferry server on port 0 and independent clients on both sides: amqp-client and a ferry.v1 WebSocket.
 */
class RabbitBridgeTest {
    private static final String RUN = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
    private static final String EX_IN = "ferry-test-in-" + RUN;
    private static final String EX_OUT = "ferry-test-out-" + RUN;
    private static final String EX_BOTH = "ferry-test-both-" + RUN;
    private static final String NODE = "ferry-test-node-" + RUN;

    private static Connection amqp;
    private static Channel channel;
    private static RabbitBridge bridge;
    private static FerryServer server;

    @BeforeAll
    static void start() throws Exception {
        Requirements.require(Broker.reachable(), "RabbitMQ on 127.0.0.1:5672");
        amqp = Broker.connect();
        channel = amqp.createChannel();
        for (String ex : new String[] {EX_IN, EX_OUT, EX_BOTH}) {
            channel.exchangeDeclare(ex, "topic", false, false, null);
        }
        Map<String, String> settings = new HashMap<>();
        settings.put("rabbitmq.uri", "amqp://guest:guest@127.0.0.1:5672/%2F");
        settings.put("rabbitmq.node-id", NODE);
        settings.put("rabbitmq.reconnect-delay", "100ms");
        settings.put("rabbitmq.bridges.obs.exchange", EX_IN);
        settings.put("rabbitmq.bridges.obs.direction", "in");
        settings.put("rabbitmq.bridges.obs.topic-prefix", "obs");
        settings.put("rabbitmq.bridges.obs.patterns", "v02.post.#");
        settings.put("rabbitmq.bridges.feed.exchange", EX_OUT);
        settings.put("rabbitmq.bridges.feed.direction", "out");
        settings.put("rabbitmq.bridges.feed.topic-prefix", "app");
        settings.put("rabbitmq.bridges.feed.patterns", "#");
        settings.put("rabbitmq.bridges.loop.exchange", EX_BOTH);
        settings.put("rabbitmq.bridges.loop.direction", "both");
        settings.put("rabbitmq.bridges.loop.patterns", "loop.#");
        settings.put("rabbitmq.bridges.loop.bind", "fixed");
        bridge = new RabbitBridge(RabbitConfig.parse(settings));
        server = FerryServer.builder().host("127.0.0.1").port(0).extension(bridge).build();
        server.start();
        Broker.await("the bridge to connect", bridge::isConnected);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (channel != null) {
            for (String ex : new String[] {EX_IN, EX_OUT, EX_BOTH}) {
                channel.exchangeDelete(ex);
            }
        }
        if (amqp != null) {
            amqp.close();
        }
    }

    private static WsTestClient subscribe(String pattern) {
        WsTestClient ws = WsTestClient.connect(server.webSocketUri());
        ws.send("{\"type\":\"sub\",\"id\":1,\"topic\":\"" + pattern + "\"}");
        assertThat(ws.nextJson().path("type").asText()).isEqualTo("result");
        return ws;
    }

    private static void publish(String exchange, String routingKey, String contentType, byte[] body) throws Exception {
        channel.basicPublish(exchange, routingKey, new AMQP.BasicProperties.Builder().contentType(contentType).build(), body);
    }

    /** A queue of this test's own, bound to {@code exchange} with {@code #}, collecting what arrives. */
    private static BlockingQueue<Delivery> observe(String exchange) throws Exception {
        BlockingQueue<Delivery> got = new LinkedBlockingQueue<>();
        String q = channel.queueDeclare().getQueue();
        channel.queueBind(q, exchange, "#");
        channel.basicConsume(q, true, (tag, d) -> got.add(d), tag -> { });
        return got;
    }

    private static Delivery next(BlockingQueue<Delivery> q) throws InterruptedException {
        Delivery d = q.poll(Broker.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(d).as("a delivery within " + Broker.TIMEOUT).isNotNull();
        return d;
    }

    private static String routingKey(Delivery d) {
        return d.getEnvelope().getRoutingKey();
    }

    /** What GET /v1/admin/bridges lists: one entry per bridge, connected, the broker without its password. */
    @Test
    void reportsEachBridgeConnectedWithoutCredentials() {
        var all = bridge.bridges();
        assertThat(all).extracting(b -> b.name()).containsExactlyInAnyOrder("obs", "feed", "loop");
        var byName = new java.util.HashMap<String, dev.ferry.server.extension.BridgeStatus>();
        all.forEach(b -> byName.put(b.name(), b));
        for (var b : all) {
            assertThat(b.extension()).isEqualTo("rabbitmq");
            assertThat(b.state()).isEqualTo(dev.ferry.server.extension.BridgeStatus.CONNECTED);
            assertThat(String.valueOf(b.details().get("broker"))).isEqualTo("amqp://127.0.0.1:5672/" + "/")
                    .doesNotContain("guest");
        }
        assertThat(byName.get("obs").details()).containsEntry("exchange", EX_IN).containsEntry("direction", "in")
                .containsEntry("topicPrefix", "obs").containsEntry("patterns", java.util.List.of("v02.post.#"))
                .containsEntry("bind", "interest");
        assertThat(byName.get("loop").details()).containsEntry("direction", "both").containsEntry("bind", "fixed");
    }

    /** A bridge that has not started (or has closed) is reported stopped. */
    @Test
    void aBridgeNotStartedIsStopped() {
        RabbitBridge idle = new RabbitBridge(bridge.config());
        assertThat(idle.bridges()).extracting(b -> b.state()).containsOnly(dev.ferry.server.extension.BridgeStatus.STOPPED);
    }

    /** A web page watching an AMQP feed: RabbitMQ → the bridge → an SSE stream (an EventSource's view). */
    @Test
    void amqpPublisherFeedsAnSseSubscriber() throws Exception {
        try (dev.ferry.server.testing.SseTestClient sse = dev.ferry.server.testing.SseTestClient.open(
                java.net.URI.create(server.httpUri() + "/v1/sse?topic=obs.v02.post.sse.%23"))) {
            assertThat(sse.next().type()).isEqualTo("ready");
            Broker.await("binding v02.post.sse.#",
                    () -> Broker.bindings(EX_IN, bridge.queueName("obs")).contains("v02.post.sse.#"));
            publish(EX_IN, "v02.post.sse.s1", "application/json", "{\"t\":7}".getBytes(StandardCharsets.UTF_8));
            dev.ferry.server.testing.SseTestClient.Event e = sse.next();
            JsonNode data = new com.fasterxml.jackson.databind.ObjectMapper().readTree(e.data());
            assertThat(data.path("topic").asText()).isEqualTo("obs.v02.post.sse.s1");
            assertThat(data.path("data").toString()).isEqualTo("{\"t\":7}");
            assertThat(e.id()).contains("obs.v02.post.sse.s1=1@"); // resumable, like any SSE event
        }
        // The bridge's counters are Prometheus series of the server.
        assertThat(server.meterRegistry().scrape()).contains("ferry_rabbitmq_inbound_published_total",
                "ferry_rabbitmq_outbound_dropped_total", "ferry_rabbitmq_loops_stopped_total");
        assertThat(server.meterRegistry().get("ferry.rabbitmq.inbound.published").functionCounter().count()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void amqpPublisherFeedsWebSocketSubscriberWithJsonAndBinaryBodies() throws Exception {
        try (WsTestClient ws = subscribe("obs.v02.post.observations.#")) {
            Broker.await("binding v02.post.observations.#",
                    () -> Broker.bindings(EX_IN, bridge.queueName("obs")).contains("v02.post.observations.#"));

            channel.basicPublish(EX_IN, "v02.post.observations.x1", new AMQP.BasicProperties.Builder()
                    .contentType("application/json").messageId("m-1")
                    .headers(java.util.Map.of("station", "x1", "prio", 5, "x-internal", "dropped")).build(),
                    "{\"t\":21.5}".getBytes(StandardCharsets.UTF_8));
            JsonNode msg = ws.nextJson();
            assertThat(msg.path("type").asText()).isEqualTo("msg");
            // headers with tag-shaped names and scalar values become tags, as does the message id
            assertThat(msg.path("tags").toString()).isEqualTo("{\"message_id\":\"m-1\",\"prio\":\"5\",\"station\":\"x1\"}");
            assertThat(msg.path("topic").asText()).isEqualTo("obs.v02.post.observations.x1");
            assertThat(msg.path("data").toString()).isEqualTo("{\"t\":21.5}");

            byte[] blob = {0, 1, 2, (byte) 0xff, '\n'};
            publish(EX_IN, "v02.post.observations.x2", "application/octet-stream", blob);
            assertBinary(ws.next(), "obs.v02.post.observations.x2", blob);

            byte[] notJson = "{oops".getBytes(StandardCharsets.UTF_8);
            publish(EX_IN, "v02.post.observations.x3", "application/json", notJson);
            assertBinary(ws.next(), "obs.v02.post.observations.x3", notJson);
        }
    }

    private static void assertBinary(WsTestClient.Received r, String topic, byte[] payload) {
        assertThat(r.binary()).as("a binary message").isNotNull();
        String text = new String(r.binary(), StandardCharsets.ISO_8859_1);
        int lf = text.indexOf('\n');
        assertThat(text.substring(0, lf)).contains("\"topic\":\"" + topic + "\"");
        assertThat(text.substring(lf + 1).getBytes(StandardCharsets.ISO_8859_1)).isEqualTo(payload);
    }

    @Test
    void bindingsFollowSubscriptionInterestReferenceCounted() {
        String key = "v02.post.interest.*";
        WsTestClient a = subscribe("obs." + key);
        WsTestClient b = subscribe("obs." + key);
        Broker.await("binding " + key, () -> Broker.bindings(EX_IN, bridge.queueName("obs")).contains(key));
        int before = server.metrics().subscriptions();
        a.close();
        Broker.await("the first subscriber gone", () -> server.metrics().subscriptions() == before - 1);
        // one subscriber left: the key stays bound
        assertThat(bridge.bindings("obs")).contains(key);
        assertThat(Broker.bindings(EX_IN, bridge.queueName("obs"))).contains(key);
        b.close();
        Broker.await("binding " + key + " removed", () -> !Broker.bindings(EX_IN, bridge.queueName("obs")).contains(key));
        assertThat(bridge.bindings("obs")).doesNotContain(key);

        // A subscription wider than the configured pattern binds the configured pattern, not more.
        try (WsTestClient wide = subscribe("obs.#")) {
            Broker.await("binding v02.post.#", () -> Broker.bindings(EX_IN, bridge.queueName("obs")).contains("v02.post.#"));
            assertThat(bridge.bindings("obs")).doesNotContain("#");
        }
        // Outside the bridge's patterns: nothing to bind.
        try (WsTestClient other = subscribe("chat.#")) {
            assertThat(bridge.bindings("obs")).allMatch(k -> k.startsWith("v02.post."));
        }
    }

    @Test
    void ferryPublisherReachesAmqpConsumer() throws Exception {
        BlockingQueue<Delivery> got = observe(EX_OUT);
        try (WsTestClient pub = WsTestClient.connect(server.webSocketUri())) {
            pub.send("{\"type\":\"pub\",\"topic\":\"app.orders.1\",\"tags\":{\"region\":\"eu\"},\"data\":{\"n\":1}}");
            Delivery d = next(got);
            assertThat(routingKey(d)).isEqualTo("orders.1");
            assertThat(d.getProperties().getHeaders().get("region").toString()).isEqualTo("eu"); // tags travel as headers
            assertThat(d.getProperties().getContentType()).isEqualTo("application/json");
            assertThat(new String(d.getBody(), StandardCharsets.UTF_8)).isEqualTo("{\"n\":1}");
            assertThat(d.getProperties().getHeaders().get("x-ferry-origin").toString()).isEqualTo(NODE);

            byte[] header = "{\"type\":\"pub\",\"topic\":\"app.files.a\"}\n".getBytes(StandardCharsets.UTF_8);
            byte[] blob = {9, 8, 7, 0};
            byte[] message = new byte[header.length + blob.length];
            System.arraycopy(header, 0, message, 0, header.length);
            System.arraycopy(blob, 0, message, header.length, blob.length);
            pub.sendBinary(message);
            Delivery b = next(got);
            assertThat(routingKey(b)).isEqualTo("files.a");
            assertThat(b.getProperties().getContentType()).isEqualTo("application/octet-stream");
            assertThat(b.getBody()).isEqualTo(blob);
        }
    }

    @Test
    void directionBothMakesNoLoop() throws Exception {
        BlockingQueue<Delivery> observer = observe(EX_BOTH);
        long stoppedBefore = bridge.stats().loopsStopped();
        try (WsTestClient ws = subscribe("loop.#")) {
            // In from RabbitMQ: delivered once, and not published back to the exchange.
            publish(EX_BOTH, "loop.a", "application/json", "1".getBytes(StandardCharsets.UTF_8));
            assertThat(routingKey(next(observer))).isEqualTo("loop.a");
            assertThat(ws.nextJson().path("topic").asText()).isEqualTo("loop.a");
            ws.send("{\"type\":\"pub\",\"topic\":\"loop.sentinel\",\"data\":2}");
            // Outbound is in hub order: had loop.a gone back out, it would arrive before the sentinel.
            assertThat(routingKey(next(observer))).isEqualTo("loop.sentinel");
            assertThat(ws.nextJson().path("topic").asText()).isEqualTo("loop.sentinel");

            // Out from Ferry: reaches the exchange once, and its copy in the bridge's own queue is not bridged in.
            ws.send("{\"type\":\"pub\",\"topic\":\"loop.b\",\"data\":3}");
            assertThat(routingKey(next(observer))).isEqualTo("loop.b");
            assertThat(ws.nextJson().path("topic").asText()).isEqualTo("loop.b");
            publish(EX_BOTH, "loop.c", "application/json", "4".getBytes(StandardCharsets.UTF_8));
            // The bridge's queue holds the copy of loop.b before loop.c: a duplicate would come first.
            assertThat(ws.nextJson().path("topic").asText()).isEqualTo("loop.c");
            assertThat(routingKey(next(observer))).isEqualTo("loop.c");
            assertThat(observer.poll()).isNull();
        }
        assertThat(bridge.stats().loopsStopped() - stoppedBefore).isGreaterThanOrEqualTo(3);
    }

    @Test
    void reconnectsAfterTheBrokerClosesTheConnection() throws Exception {
        try (WsTestClient ws = subscribe("obs.v02.post.reconnect.#")) {
            Broker.await("binding", () -> Broker.bindings(EX_IN, bridge.queueName("obs")).contains("v02.post.reconnect.#"));
            long connects = bridge.connects();
            assertThat(Broker.closeConnections("ferry " + NODE)).isEqualTo(1);
            Broker.await("the bridge to reconnect", () -> bridge.connects() > connects && bridge.isConnected());
            // The new exclusive queue is bound again with today's interest.
            Broker.await("binding again", () -> Broker.bindings(EX_IN, bridge.queueName("obs")).contains("v02.post.reconnect.#"));
            publish(EX_IN, "v02.post.reconnect.1", "application/json", "\"back\"".getBytes(StandardCharsets.UTF_8));
            JsonNode msg = ws.nextJson();
            assertThat(msg.path("topic").asText()).isEqualTo("obs.v02.post.reconnect.1");
            assertThat(msg.path("data").asText()).isEqualTo("back");
        }
        // Outbound works on the new connection too.
        BlockingQueue<Delivery> got = observe(EX_OUT);
        try (WsTestClient pub = WsTestClient.connect(server.webSocketUri())) {
            pub.send("{\"type\":\"pub\",\"topic\":\"app.after\",\"data\":true}");
            assertThat(routingKey(next(got))).isEqualTo("after");
        }
    }
}
