package dev.ferry.server.sse;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.config.LimitsConfig;
import dev.ferry.server.config.SseConfig;
import dev.ferry.server.config.WebSocketConfig;
import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.ManualClock;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Fallback sessions count as connections of their client address ({@code limits.connections-per-ip}) and of the
 * server ({@code limits.max-connections}): creating them over a few keep-alive connections stops at the limit, and
 * a session that ends frees its place.
 */
class FallbackSessionLimitTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** sse.session-timeout of {@link #perIp}; its time moves only when the test advances {@link #clock}. */
    static final Duration SESSION_TIMEOUT = Duration.ofMinutes(5);
    static final ManualClock clock = new ManualClock();

    /**
     * The keep-alive connections stay idle between requests while the clock moves past the sessions' timeout: the
     * request deadline (websocket.handshake-timeout), on the same clock, is set beyond it so that they stay open.
     */
    @RegisterExtension
    static final FerryServerExtension perIp = new FerryServerExtension(clock, c -> c
            .withLimits(new LimitsConfig(0, 0, 0, 0, 1000, 6))
            .withWebSocket(new WebSocketConfig(1 << 20, SESSION_TIMEOUT.multipliedBy(2), Duration.ofSeconds(25),
                    Duration.ofSeconds(60), 1000, 4 << 20))
            .withSse(new SseConfig(Duration.ofSeconds(15), 32, 4 << 20, SESSION_TIMEOUT)));

    @RegisterExtension
    static final FerryServerExtension total = new FerryServerExtension(c -> c
            .withLimits(new LimitsConfig(0, 0, 0, 0, 1000, 0, 4, 0, 0))
            .withSse(new SseConfig(Duration.ofSeconds(15), 32, 4 << 20, Duration.ofSeconds(60))));

    /** One keep-alive HTTP/1.1 connection on which requests are sent one after another. */
    private static final class KeepAlive implements AutoCloseable {
        final Socket socket;
        final DataInputStream in;

        KeepAlive(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            in = new DataInputStream(socket.getInputStream());
        }

        /** POSTs an empty body to {@code path}; the status and the JSON body. */
        Response post(String path) throws IOException {
            socket.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String status = line();
            int length = 0;
            for (String h = line(); !h.isEmpty(); h = line()) {
                if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(h.substring(15).trim());
                }
            }
            byte[] body = in.readNBytes(length);
            return new Response(Integer.parseInt(status.split(" ")[1]), JSON.readTree(body));
        }

        private String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    throw new IOException("connection closed");
                }
                if (c != '\r') {
                    b.write(c);
                }
            }
            return b.toString(StandardCharsets.US_ASCII);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private record Response(int status, JsonNode body) {
    }

    @Test
    void sessionsBeyondTheAddressLimitAreRefusedWith429AndAnEndedSessionFreesItsPlace() throws Exception {
        try (KeepAlive a = new KeepAlive(perIp.port()); KeepAlive b = new KeepAlive(perIp.port())) {
            List<String> created = new ArrayList<>();
            Response r;
            for (int i = 0; i < 50; i++) { // two TCP connections and four sessions fill the six places
                r = (i % 2 == 0 ? a : b).post("/v1/session");
                if (r.status() != 200) {
                    assertThat(r.status()).isEqualTo(429);
                    assertThat(r.body().path("code").asText()).isEqualTo("too_many_connections");
                    assertThat(r.body().path("message").asText()).contains("limits.connections-per-ip");
                    break;
                }
                created.add(r.body().path("session").asText());
            }
            assertThat(created).hasSize(4);
            // The refusal closes no connection: both still answer.
            assertThat(a.post("/v1/session").status()).isEqualTo(429);
            assertThat(b.post("/v1/session").status()).isEqualTo(429);
            // The sessions expire (sse.session-timeout, no stream attached): their places are free again.
            clock.advance(SESSION_TIMEOUT.minusSeconds(1));
            assertThat(a.post("/v1/session").status()).as("not expired yet").isEqualTo(429);
            clock.advance(Duration.ofSeconds(2));
            assertThat(a.post("/v1/session").status()).as("admitted once the others expired").isEqualTo(200);
        }
    }

    @Test
    void sessionsCountAgainstTheServerWideLimit() throws Exception {
        try (KeepAlive a = new KeepAlive(total.port())) {
            int created = 0;
            Response r;
            while ((r = a.post("/v1/session")).status() == 200 && created < 50) {
                created++;
            }
            assertThat(created).isEqualTo(3); // one TCP connection and three sessions
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.body().path("code").asText()).isEqualTo("too_many_connections");
            assertThat(r.body().path("message").asText()).contains("limits.max-connections");
        }
    }
}
