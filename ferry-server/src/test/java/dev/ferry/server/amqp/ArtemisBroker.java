package dev.ferry.server.amqp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;

/**
 * An embedded ActiveMQ Artemis broker with one AMQP acceptor on 127.0.0.1 (a free port), persistence and security
 * off: the AMQP 1.0 peer of the tunnel tests. The same port also accepts AMQP over WebSocket on any path.
 */
public final class ArtemisBroker implements AutoCloseable {
    private final EmbeddedActiveMQ broker = new EmbeddedActiveMQ();
    private final Path dir;
    private final int port;

    public ArtemisBroker() {
        try {
            dir = Files.createTempDirectory("ferry-artemis");
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            ConfigurationImpl config = new ConfigurationImpl();
            config.setPersistenceEnabled(false);
            config.setSecurityEnabled(false);
            config.setJMXManagementEnabled(false);
            config.setBrokerInstance(dir.toFile());
            config.setJournalDirectory(dir.resolve("journal").toString());
            config.setBindingsDirectory(dir.resolve("bindings").toString());
            config.setLargeMessagesDirectory(dir.resolve("large").toString());
            config.setPagingDirectory(dir.resolve("paging").toString());
            config.addAcceptorConfiguration("amqp", "tcp://127.0.0.1:" + port
                    + "?protocols=AMQP;webSocketMaxFramePayloadLength=2097152");
            broker.setConfiguration(config);
            broker.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start Artemis", e);
        }
    }

    public int port() {
        return port;
    }

    @Override
    public void close() throws Exception {
        broker.stop();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
