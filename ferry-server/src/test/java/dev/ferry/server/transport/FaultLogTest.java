package dev.ferry.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** FaultLog writes at most one line per interval for each kind of fault above debug, on a clock the test moves. */
class FaultLogTest {
    private final Logger logger = (Logger) LoggerFactory.getLogger("test.faults." + System.nanoTime());
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final FaultLog faults;

    FaultLogTest() {
        lines.start();
        logger.addAppender(lines);
        logger.setLevel(Level.INFO);
        faults = new FaultLog(logger, Duration.ofSeconds(60), now::get);
    }

    @AfterEach
    void detach() {
        logger.detachAppender(lines);
    }

    @Test
    void clientFaultsAreCountedOncePerInterval() {
        for (int i = 0; i < 10_000; i++) {
            faults.fault("HTTP", "/127.0.0.1:1", new IOException("Connection reset by peer"));
        }
        assertThat(lines.list).hasSize(1);
        assertThat(lines.list.get(0).getLevel()).isEqualTo(Level.INFO);
        assertThat(lines.list.get(0).getThrowableProxy()).isNull();
        now.addAndGet(Duration.ofSeconds(59).toNanos());
        faults.fault("HTTP", "/127.0.0.1:1", new IOException("reset"));
        assertThat(lines.list).hasSize(1);
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        faults.fault("HTTP", "/127.0.0.1:1", new IOException("reset"));
        assertThat(lines.list).hasSize(2);
        assertThat(lines.list.get(1).getFormattedMessage()).startsWith("10001 client fault(s)");
    }

    @Test
    void unexpectedFaultsKeepTheirStackTraceOncePerIntervalAndCountTheRest() {
        for (int i = 0; i < 100; i++) {
            faults.fault("WebSocket", "/127.0.0.1:1", new IllegalStateException("bug " + i));
        }
        assertThat(lines.list).hasSize(1);
        assertThat(lines.list.get(0).getLevel()).isEqualTo(Level.WARN);
        assertThat(lines.list.get(0).getThrowableProxy().getMessage()).isEqualTo("bug 0");
        now.addAndGet(Duration.ofSeconds(60).toNanos());
        faults.fault("WebSocket", "/127.0.0.1:1", new IllegalStateException("later"));
        assertThat(lines.list).hasSize(2);
        assertThat(lines.list.get(1).getFormattedMessage()).contains("99 more");
    }

    @Test
    void clientFaultsAreToldFromOurs() {
        assertThat(FaultLog.isClientFault(new IOException())).isTrue();
        assertThat(FaultLog.isClientFault(new io.netty.handler.codec.DecoderException(new SSLHandshakeException("no")))).isTrue();
        assertThat(FaultLog.isClientFault(new CorruptedWebSocketFrameException(WebSocketCloseStatus.PROTOCOL_ERROR, "x"))).isTrue();
        assertThat(FaultLog.isClientFault(new io.netty.handler.codec.TooLongFrameException())).isTrue();
        assertThat(FaultLog.isClientFault(new IllegalArgumentException())).isFalse();
        assertThat(FaultLog.isClientFault(new io.netty.handler.codec.DecoderException(new NullPointerException()))).isFalse();
    }
}
