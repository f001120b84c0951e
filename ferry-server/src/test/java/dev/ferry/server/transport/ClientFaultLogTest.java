package dev.ferry.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.ferry.server.FerryServer;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.TlsConfig;
import dev.ferry.server.testing.LogCapture;
import dev.ferry.server.testing.RawWebSocket;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A burst of client faults — malformed escapes, requests and bodies cut off by a reset, fragmented WebSocket
 * messages abandoned by a reset, failed TLS handshakes — leaves a bounded number of lines in the log, none with a
 * stack trace, and the server serves on.
 */
class ClientFaultLogTest {
    private static final int EACH = 40;

    @RegisterExtension
    final LogCapture log = new LogCapture();

    @TempDir
    Path dir;

    @Test
    void aBurstOfClientFaultsLogsAFewLinesWithoutStackTraces() throws Exception {
        X509Bundle b = new CertificateBuilder().subject("CN=faults").addSanIpAddress("127.0.0.1").ecp256()
                .setIsCertificateAuthority(true).buildSelfSigned();
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Files.writeString(cert, b.getCertificatePathPEM());
        Files.writeString(key, b.getPrivateKeyPEM());
        try (FerryServer plain = FerryServer.builder().config(FerryConfig.DEFAULT).host("127.0.0.1").port(0).build();
             FerryServer tls = FerryServer.builder()
                     .config(FerryConfig.DEFAULT.withTls(new TlsConfig(cert, key, true, Duration.ofMinutes(1))))
                     .host("127.0.0.1").port(0).build()) {
            plain.start();
            tls.start();
            try (Socket s = new Socket("127.0.0.1", plain.port())) {
                OutputStream out = s.getOutputStream();
                for (int i = 0; i < EACH; i++) {
                    out.write("GET /v1/topics?prefix=%zz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.flush();
                s.shutdownOutput();
                s.getInputStream().readAllBytes(); // every answer, then the server's close
            }
            for (int i = 0; i < EACH; i++) {
                reset(plain.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n"); // cut off mid-headers
                reset(plain.port(), "POST /v1/publish/a HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789");
                RawWebSocket ws = RawWebSocket.connect(plain.port(), "/v1/ws", "ferry.v1");
                ws.send(false, RawWebSocket.TEXT, "{\"type\":\"pub\",\"topic\":\"a\",\"data\":\"".getBytes(StandardCharsets.UTF_8));
                ws.abort();
                reset(tls.port(), "\u0016\u0003\u0001\u0000\u0005hello"); // a TLS record that is no ClientHello
                try (Socket s = new Socket("127.0.0.1", tls.port())) {
                    s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x00, 0x02, 0x01, 0x00});
                    s.shutdownOutput();
                    s.getInputStream().readAllBytes(); // the server's alert and close
                }
            }
            awaitNoConnections(plain);
            awaitNoConnections(tls);
        }
        List<ILoggingEvent> above = log.events().stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.INFO))
                .filter(e -> !e.getLoggerName().equals(FerryServer.class.getName())
                        && !e.getLoggerName().startsWith("dev.ferry.server.transport.TlsContext"))
                .toList();
        String shown = above.stream().map(e -> e.getLoggerName() + " " + e.getLevel() + " " + e.getFormattedMessage())
                .collect(Collectors.joining("\n"));
        assertThat(above).as(shown).allSatisfy(e -> assertThat(e.getThrowableProxy()).as(e.getFormattedMessage()).isNull());
        assertThat(above).as(shown).hasSizeLessThanOrEqualTo(4);
    }

    private static void reset(int port, String partial) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.getOutputStream().write(partial.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        s.setSoLinger(true, 0);
        s.close();
    }

    /** Waits (polling, 30 s at most) until the server has closed every connection, so every fault is logged. */
    private static void awaitNoConnections(FerryServer server) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (server.metrics().openConnections() > 0) {
            assertThat(System.nanoTime()).as("connections still open after 30 s").isLessThan(deadline);
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        }
    }
}
