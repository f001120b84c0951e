package dev.ferry.server.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.config.WebSocketConfig;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LivenessTest {
    @Test
    void pingsUntilTheIdleTimeoutThenCloses() {
        Liveness l = new Liveness(new WebSocketConfig(1 << 20, Duration.ofSeconds(2), Duration.ofMillis(200),
                Duration.ofMillis(500), 100, 4 << 20));
        assertThat(l.silentTooLong()).isFalse(); // 200 ms: ping
        assertThat(l.silentTooLong()).isFalse(); // 400 ms: ping
        l.heard();
        assertThat(l.silentTooLong()).isFalse();
        assertThat(l.silentTooLong()).isFalse();
        assertThat(l.silentTooLong()).isTrue(); // 600 ms of silence: close
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
