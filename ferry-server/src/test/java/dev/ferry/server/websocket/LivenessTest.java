package dev.ferry.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.config.WebSocketConfig;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LivenessTest {
    @Test
    void pingsUntilTheIdleTimeoutThenCloses() {
        List<String> did = new ArrayList<>();
        Liveness l = new Liveness(new WebSocketConfig(1 << 20, Duration.ofSeconds(2), Duration.ofMillis(200),
                Duration.ofMillis(500), 100, 4 << 20), new Liveness.Silence() {
                    @Override
                    public void ping() {
                        did.add("ping");
                    }

                    @Override
                    public void idleTimeout() {
                        did.add("close");
                    }
                });
        l.startAt(ms(0));
        l.tick(ms(150));
        assertThat(did).isEmpty();
        l.tick(ms(200));
        assertThat(did).containsExactly("ping"); // 200 ms of silence
        l.tick(ms(350));
        assertThat(did).containsExactly("ping");
        l.tick(ms(400));
        assertThat(did).containsExactly("ping", "ping");
        l.heard();
        l.tick(ms(450)); // heard since the last tick: silent from here
        l.tick(ms(649));
        assertThat(did).containsExactly("ping", "ping");
        l.tick(ms(650));
        l.tick(ms(850));
        assertThat(did).containsExactly("ping", "ping", "ping", "ping");
        l.tick(ms(1050)); // 600 ms of silence, past the 500 ms idle timeout
        assertThat(did).containsExactly("ping", "ping", "ping", "ping", "close");
    }

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis) + 1_000_000_000L;
    }

    @Test
    void faultsAreClassified() {
        assertThat(WebSocketFault.of(new TooLongFrameException("big"))).isEqualTo(WebSocketFault.TOO_LARGE);
        assertThat(WebSocketFault.of(new CorruptedWebSocketFrameException(WebSocketCloseStatus.MESSAGE_TOO_BIG, "big")))
                .isEqualTo(WebSocketFault.TOO_LARGE);
        assertThat(WebSocketFault.of(new CorruptedWebSocketFrameException(WebSocketCloseStatus.PROTOCOL_ERROR, "bad")))
                .isEqualTo(WebSocketFault.CORRUPT);
        assertThat(WebSocketFault.of(new IOException("reset"))).isEqualTo(WebSocketFault.IO);
        assertThat(WebSocketFault.of(new IllegalStateException("bug"))).isEqualTo(WebSocketFault.UNEXPECTED);
    }
}
