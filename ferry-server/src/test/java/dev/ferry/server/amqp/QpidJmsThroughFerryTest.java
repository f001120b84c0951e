package dev.ferry.server.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.config.TunnelRoute;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.tunnel.TunnelStats;
import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.qpid.jms.JmsConnectionFactory;
import dev.ferry.server.tunnel.client.TunnelClient;
import java.net.InetSocketAddress;
import java.net.URI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Qpid JMS (AMQP 1.0) against an embedded Artemis: directly over TCP as the baseline, and over the AMQP WebSocket
 * Binding through Ferry ({@code amqpws://127.0.0.1:<ferry>/amqp}), and as plain AMQP through the tunnel client and
 * a TCP route. Same queue operations, same sizes.
 */
class QpidJmsThroughFerryTest {
    static final ArtemisBroker artemis = new ArtemisBroker();

    @RegisterExtension
    static final FerryServerExtension ferry = new FerryServerExtension(c -> c.withTunnel(c.tunnel().withRoutes(List.of(
            TunnelRoute.of(TunnelRoute.Kind.AMQP, "artemis", "127.0.0.1", artemis.port()).withPath("/amqp"),
            TunnelRoute.of(TunnelRoute.Kind.TCP, "artemis", "127.0.0.1", artemis.port())))));

    /** The tunnel client's listener in front of the TCP route, for clients that only speak plain AMQP. */
    static TunnelClient tunnel;
    static InetSocketAddress tunnelAddress;

    @BeforeAll
    static void startTunnel() {
        tunnel = TunnelClient.builder(URI.create("ws://127.0.0.1:" + ferry.port() + "/v1/tunnel/artemis")).build();
        tunnelAddress = tunnel.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        tunnel.close();
        artemis.close();
    }

    static Stream<Arguments> paths() {
        return Stream.of(
                Arguments.of("direct TCP (baseline)", (java.util.function.Supplier<String>) () -> "amqp://127.0.0.1:" + artemis.port()),
                Arguments.of("amqpws through Ferry", (java.util.function.Supplier<String>) () -> "amqpws://127.0.0.1:" + ferry.port() + "/amqp"),
                Arguments.of("amqp through a Ferry tunnel client", (java.util.function.Supplier<String>) () -> "amqp://127.0.0.1:" + tunnelAddress.getPort()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("paths")
    void sendAndReceiveOnAQueue(String how, java.util.function.Supplier<String> url) throws Exception {
        long before = bytesThroughFerry();
        JmsConnectionFactory factory = new JmsConnectionFactory(url.get());
        try (Connection connection = factory.createConnection()) {
            connection.start();
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue queue = session.createQueue("ferry.test." + how.replace(' ', '-'));
            MessageProducer producer = session.createProducer(queue);
            MessageConsumer consumer = session.createConsumer(queue);

            producer.send(session.createTextMessage("hello over " + how));
            TextMessage text = (TextMessage) consumer.receive(10_000);
            assertThat(text).as("text message").isNotNull();
            assertThat(text.getText()).isEqualTo("hello over " + how);

            for (int size : new int[] {300_000, 5_000_000}) {
                byte[] body = new byte[size];
                new Random(size).nextBytes(body);
                BytesMessage out = session.createBytesMessage();
                out.writeBytes(body);
                producer.send(out);
                BytesMessage in = (BytesMessage) consumer.receive(30_000);
                assertThat(in).as("message of %d bytes", size).isNotNull();
                byte[] got = new byte[(int) in.getBodyLength()];
                in.readBytes(got);
                assertThat(got).as("message of %d bytes", size).isEqualTo(body);
            }
        }
        long carried = bytesThroughFerry() - before;
        // Both routes count into the total; the direct baseline must not touch Ferry at all.
        if (how.contains("Ferry")) {
            assertThat(carried).isGreaterThan(2 * 5_300_000L);
        } else {
            assertThat(carried).isZero();
        }
    }

    @org.junit.jupiter.api.Test
    void anAmqpRouteAndATunnelRouteOfTheSameNameHaveSeriesOfTheirOwn() {
        String metrics = ferry.server().meterRegistry().scrape();
        assertThat(metrics).contains("ferry_tunnel_open{kind=\"amqp\",route=\"artemis\"}",
                "ferry_tunnel_open{kind=\"tcp\",route=\"artemis\"}");
    }

    private static long bytesThroughFerry() {
        long n = 0;
        for (TunnelStats s : ferry.server().tunnelStats()) {
            n += s.bytesFromWebSocket() + s.bytesToWebSocket();
        }
        return n;
    }
}
