package dev.ferry.rabbitmq;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.ferry.server.testing.Await;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** The RabbitMQ broker on 127.0.0.1:5672 the integration tests use, and {@code rabbitmqctl} to inspect it. */
final class Broker {
    static final String HOST = "127.0.0.1";
    static final int PORT = 5672;
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    private Broker() {
    }

    static boolean reachable() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, PORT), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static Connection connect() throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(HOST);
        f.setPort(PORT);
        f.setUsername("guest");
        f.setPassword("guest");
        f.setAutomaticRecoveryEnabled(false);
        return f.newConnection("ferry-rabbitmq tests");
    }

    static String rabbitmqctl(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("rabbitmqctl", "-q"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(cmd + " failed: " + new String(out, StandardCharsets.UTF_8));
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run rabbitmqctl", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The routing keys binding {@code exchange} to {@code queue}, as the broker lists them. */
    static Set<String> bindings(String exchange, String queue) {
        Set<String> keys = new HashSet<>();
        for (String line : rabbitmqctl("list_bindings", "--no-table-headers", "source_name", "destination_name",
                "routing_key").split("\n")) {
            String[] cols = line.split("\t", -1);
            if (cols.length == 3 && cols[0].equals(exchange) && cols[1].equals(queue)) {
                keys.add(cols[2]);
            }
        }
        return keys;
    }

    /** Closes, from the broker's side, every connection whose client-provided name contains {@code name}. */
    static int closeConnections(String name) {
        int n = 0;
        for (String line : rabbitmqctl("list_connections", "--no-table-headers", "pid", "client_properties").split("\n")) {
            if (line.contains(name)) {
                String pid = line.substring(0, line.indexOf('\t'));
                rabbitmqctl("close_connection", pid, "closed by the reconnect test");
                n++;
            }
        }
        return n;
    }

    /** Waits until {@code condition} holds; fails after {@link #TIMEOUT}. */
    static void await(String what, BooleanSupplier condition) {
        Await.until(what, TIMEOUT, condition);
    }
}
