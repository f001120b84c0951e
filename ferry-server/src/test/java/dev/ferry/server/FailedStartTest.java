package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.TlsConfig;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import dev.ferry.server.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A start that fails after the server made its threads leaves none of them running. */
class FailedStartTest {
    @TempDir
    Path dir;

    static Set<Thread> serverThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("ferry-"))
                .collect(Collectors.toSet());
    }

    @Test
    void aSchemaThatDoesNotCompileLeavesNoThreadBehind() throws Exception {
        Path schema = dir.resolve("chat.json");
        Files.writeString(schema, "{\"type\":");
        Path file = dir.resolve("ferry.yaml");
        Files.writeString(file, "events:\n  chat:\n    pattern: chat.*\n    schema: " + schema + "\n");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        X509Bundle b = new CertificateBuilder().subject("CN=ferry-test").addSanIpAddress("127.0.0.1").ecp256()
                .setIsCertificateAuthority(true).buildSelfSigned();
        Files.writeString(cert, b.getCertificatePathPEM());
        Files.writeString(key, b.getPrivateKeyPEM());
        // with TLS, the certificate reload thread is running before the schemas are compiled
        FerryConfig config = new ConfigLoader().yaml(file).load()
                .withTls(new TlsConfig(cert, key, false, Duration.ofMinutes(1)));
        Set<Thread> before = serverThreads();
        FerryServer server = FerryServer.builder().config(config).host("127.0.0.1").port(0).build();
        assertThatThrownBy(server::start).hasMessageContaining("chat.json");
        Await.until("the threads of the failed start are gone", () -> {
            Set<Thread> left = serverThreads();
            left.removeAll(before);
            return left.isEmpty();
        });
        assertThatThrownBy(server::start).as("a server whose start failed is closed")
                .isInstanceOf(IllegalStateException.class);
        server.close();
    }

    @Test
    void aPortInUseLeavesNoThreadBehind() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            Set<Thread> before = serverThreads();
            FerryServer server = FerryServer.builder().host("127.0.0.1").port(taken.getLocalPort()).build();
            assertThatThrownBy(server::start).hasMessageContaining("cannot bind");
            Await.until("the threads of the failed start are gone", () -> {
                Set<Thread> left = serverThreads();
                left.removeAll(before);
                return left.isEmpty();
            });
            server.close();
        }
    }
}
