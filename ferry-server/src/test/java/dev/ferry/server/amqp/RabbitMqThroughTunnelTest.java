package dev.ferry.server.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.ferry.server.config.TunnelRoute;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.Requirements;
import dev.ferry.server.tunnel.client.ConnectProxy;
import dev.ferry.protocol.proxy.ProxySettings;
import dev.ferry.server.tunnel.client.TunnelClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * AMQP 0-9-1 across a firewall: RabbitMQ's Java client publishes and consumes through the tunnel client's local
 * listener → Ferry's TCP route → the RabbitMQ server on 127.0.0.1:5672 (guest/guest); directly, and through
 * CONNECT proxies that demand Digest and Basic authentication.
 */
class RabbitMqThroughTunnelTest {
    private static final int RABBIT_PORT = 5672;

    @RegisterExtension
    static final FerryServerExtension ferry = new FerryServerExtension(c -> c.withTunnel(c.tunnel().withRoutes(List.of(
            TunnelRoute.of(TunnelRoute.Kind.TCP, "rabbit", "127.0.0.1", RABBIT_PORT)))));

    @BeforeEach
    void requireRabbitMq() {
        boolean listening;
        try (Socket s = new Socket("127.0.0.1", RABBIT_PORT)) {
            listening = true;
        } catch (IOException e) {
            listening = false;
        }
        Requirements.require(listening, "a RabbitMQ server on 127.0.0.1:" + RABBIT_PORT + " with guest/guest (apt-get install rabbitmq-server)");
    }

    private static URI route() {
        return URI.create("ws://127.0.0.1:" + ferry.port() + "/v1/tunnel/rabbit");
    }

    private static void publishAndConsume(InetSocketAddress local) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(local.getPort());
        factory.setUsername("guest");
        factory.setPassword("guest");
        factory.setConnectionTimeout(10_000);
        try (Connection connection = factory.newConnection("ferry-tunnel-test");
             Channel channel = connection.createChannel()) {
            String queue = channel.queueDeclare().getQueue();
            BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
            channel.basicConsume(queue, true, (tag, delivery) -> received.add(delivery.getBody()), tag -> { });
            byte[] big = new byte[1 << 20];
            new Random(5).nextBytes(big);
            for (byte[] body : List.of("hello through the tunnel".getBytes(), big)) {
                channel.basicPublish("", queue, null, body);
                byte[] got = received.poll(60, TimeUnit.SECONDS); // 1 MiB through the tunnel: seconds on a busy machine
                assertThat(got).as("message of %d bytes", body.length).isEqualTo(body);
            }
        }
    }

    private static void through(UnaryOperator<TunnelClient.Builder> options) throws Exception {
        try (TunnelClient client = options.apply(TunnelClient.builder(route())).build()) {
            publishAndConsume(client.start());
            assertThat(client.stats().accepted()).isEqualTo(1);
        }
    }

    @Test
    void amqpClientThroughTheTunnel() throws Exception {
        through(UnaryOperator.identity());
        assertThat(ferry.server().tunnelStats().get(0).bytesFromWebSocket()).isGreaterThan(1 << 20);
    }

    @Test
    void amqpClientThroughADigestProxy() throws Exception {
        try (var proxy = new ConnectProxy(ConnectProxy.Scheme.DIGEST, "carol", "digest-pw")) {
            through(b -> b.proxy(ProxySettings.parse(proxy.url()).withCredentials("carol", "digest-pw")));
            assertThat(proxy.tunnels.get()).isEqualTo(1);
        }
    }

    @Test
    void amqpClientThroughABasicProxy() throws Exception {
        try (var proxy = new ConnectProxy(ConnectProxy.Scheme.BASIC, "dave", "basic-pw")) {
            through(b -> b.proxy(ProxySettings.parse(proxy.url()).withCredentials("dave", "basic-pw")));
            assertThat(proxy.tunnels.get()).isEqualTo(1);
        }
    }
}
