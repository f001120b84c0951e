package dev.ferry.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.testing.ManualClock;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The request deadline on an embedded channel timed by a manual clock. */
class HttpRequestDeadlineTest {
    private static final long DEADLINE_MS = 5000;
    private final ManualClock clock = new ManualClock();

    private EmbeddedChannel channel() {
        return new EmbeddedChannel(new HttpRequestDeadline(DEADLINE_MS, clock));
    }

    @Test
    void aConnectionWithoutARequestIsClosedAtTheDeadline() {
        EmbeddedChannel ch = channel();
        clock.advance(Duration.ofMillis(DEADLINE_MS - 1));
        assertThat(ch.isOpen()).isTrue();
        clock.advance(Duration.ofMillis(1));
        assertThat(ch.isOpen()).isFalse();
        assertThat(clock.timers()).isZero();
    }

    @Test
    void aTrickledRequestDoesNotHoldTheDeadlineOff() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/publish"));
        for (int i = 0; i < 4; i++) {
            clock.advance(Duration.ofSeconds(1));
            ch.writeInbound(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[] {'x'})));
        }
        assertThat(ch.isOpen()).isTrue();
        clock.advance(Duration.ofSeconds(1));
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void aCompleteRequestStopsTheDeadlineAndItsResponseRestartsIt() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/health"));
        ch.writeInbound(LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(clock.timers()).isZero();
        clock.advance(Duration.ofMillis(DEADLINE_MS * 3)); // the server takes its time to answer: not the client's fault
        assertThat(ch.isOpen()).isTrue();
        ch.writeOutbound(LastHttpContent.EMPTY_LAST_CONTENT); // the response is written: the next request is due
        assertThat(clock.timers()).isEqualTo(1);
        clock.advance(Duration.ofMillis(DEADLINE_MS - 1));
        assertThat(ch.isOpen()).isTrue();
        clock.advance(Duration.ofMillis(1));
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void aClosedConnectionLeavesNoTimer() {
        EmbeddedChannel ch = channel();
        assertThat(clock.timers()).isEqualTo(1);
        ch.close();
        assertThat(clock.timers()).isZero();
    }
}
