package dev.ferry.bench;

import dev.ferry.server.FerryServer;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.TunnelRoute;
import dev.ferry.server.tunnel.client.TunnelClient;
import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.qpid.jms.JmsConnectionFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * AMQP 1.0 messages/s between a Qpid JMS producer and consumer through an embedded Artemis broker, by three ways
 * in one run: straight over TCP (the reference), over the AMQP WebSocket Binding through Ferry's {@code amqp}
 * route ({@code amqpws://}), and as plain AMQP through {@code ferry tunnel}'s local listener and a TCP route.
 * Each run sends {@code --messages} non-persistent messages of {@code --size} bytes (asynchronous sends) while the
 * consumer, on a connection of its own, receives them all; the rate is messages received / time from the first
 * send to the last receive. Runs of the three ways alternate; the best of {@code --runs} is reported.
 */
@Command(name = "amqp", mixinStandardHelpOptions = true,
        description = "AMQP 1.0 messages/s through Ferry's amqp route and through ferry tunnel vs straight to the broker.")
final class AmqpCommand implements Callable<Integer> {
    @Option(names = "--messages", defaultValue = "50000", description = "Messages per run (default ${DEFAULT-VALUE}).")
    private int messages;

    @Option(names = "--size", defaultValue = "1024", description = "Message body bytes (default ${DEFAULT-VALUE}).")
    private int size;

    @Option(names = "--runs", defaultValue = "3", description = "Runs of each way, alternating (default ${DEFAULT-VALUE}).")
    private int runs;

    @Override
    public Integer call() throws Exception {
        try (AmqpBroker artemis = new AmqpBroker()) {
            FerryConfig config = FerryConfig.DEFAULT.withTunnel(FerryConfig.DEFAULT.tunnel().withRoutes(List.of(
                    TunnelRoute.of(TunnelRoute.Kind.AMQP, "artemis", "127.0.0.1", artemis.port()).withPath("/amqp"),
                    TunnelRoute.of(TunnelRoute.Kind.TCP, "artemis", "127.0.0.1", artemis.port()))));
            try (FerryServer ferry = FerryServer.builder().config(config).host("127.0.0.1").port(0).build()) {
                ferry.start();
                URI route = URI.create("ws://127.0.0.1:" + ferry.port() + "/v1/tunnel/artemis");
                try (TunnelClient tunnel = TunnelClient.builder(route).build()) {
                    InetSocketAddress listener = tunnel.start();
                    Map<String, String> ways = new LinkedHashMap<>();
                    ways.put("direct", "amqp://127.0.0.1:" + artemis.port());
                    ways.put("amqpws", "amqpws://127.0.0.1:" + ferry.port() + "/amqp");
                    ways.put("tunnel", "amqp://127.0.0.1:" + listener.getPort());
                    Map<String, Double> best = new LinkedHashMap<>();
                    for (Map.Entry<String, String> way : ways.entrySet()) { // warm-up: the JIT, the broker's queue
                        run(way.getValue(), Math.min(messages, 5000), "warmup." + way.getKey());
                        best.put(way.getKey(), 0.0);
                    }
                    for (int i = 0; i < runs; i++) {
                        for (Map.Entry<String, String> way : ways.entrySet()) {
                            best.merge(way.getKey(), run(way.getValue(), messages, "bench." + way.getKey()), Math::max);
                        }
                    }
                    double direct = best.get("direct");
                    System.out.printf("direct TCP                  %10.0f msg/s%n", direct);
                    System.out.printf("amqpws through Ferry        %10.0f msg/s  (%.2fx of direct)%n", best.get("amqpws"), best.get("amqpws") / direct);
                    System.out.printf("amqp through ferry tunnel   %10.0f msg/s  (%.2fx of direct)%n", best.get("tunnel"), best.get("tunnel") / direct);
                    System.out.printf("{\"bench\":\"amqp\",\"messages\":%d,\"size\":%d,\"runs\":%d,\"direct_msg_s\":%.0f,"
                                    + "\"amqpws_msg_s\":%.0f,\"tunnel_msg_s\":%.0f}%n",
                            messages, size, runs, direct, best.get("amqpws"), best.get("tunnel"));
                }
            }
        }
        return 0;
    }

    /** Messages/s of sending {@code count} messages to {@code queueName} at {@code url} and receiving them all. */
    private double run(String url, int count, String queueName) throws Exception {
        JmsConnectionFactory factory = new JmsConnectionFactory(url);
        factory.setForceAsyncSend(true);
        byte[] body = new byte[size];
        try (Connection producing = factory.createConnection(); Connection consuming = factory.createConnection()) {
            producing.start();
            consuming.start();
            Session in = consuming.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue queue = in.createQueue(queueName);
            MessageConsumer consumer = in.createConsumer(queue);
            Session out = producing.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer producer = out.createProducer(queue);
            producer.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
            long t0 = System.nanoTime();
            Thread sender = new Thread(() -> {
                try {
                    for (int i = 0; i < count; i++) {
                        BytesMessage m = out.createBytesMessage();
                        m.writeBytes(body);
                        producer.send(m);
                    }
                } catch (jakarta.jms.JMSException e) {
                    throw new IllegalStateException("send failed on " + url, e);
                }
            }, "amqp-sender");
            sender.start();
            for (int i = 0; i < count; i++) {
                if (consumer.receive(30_000) == null) {
                    throw new IllegalStateException("received " + i + " of " + count + " messages on " + url + " within 30 s");
                }
            }
            double rate = count / ((System.nanoTime() - t0) / 1e9);
            sender.join();
            return rate;
        }
    }
}
