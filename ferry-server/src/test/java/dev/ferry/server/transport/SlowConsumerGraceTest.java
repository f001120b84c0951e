package dev.ferry.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.testing.ManualClock;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The close grace of a slow consumer, on a manual clock: a connection over its queue bound is sent close 4001 at
 * once, and its socket is closed when the close frame is written or, for a peer that reads nothing (so the frame
 * is never written), once the grace has passed on the server's clock.
 */
class SlowConsumerGraceTest {
    private static final long GRACE_MS = 3000;

    /** Holds every write, as a socket to a peer that reads nothing would: no write ever completes. */
    private static final class Stalled extends ChannelOutboundHandlerAdapter {
        final List<Object> held = new ArrayList<>();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            held.add(msg);
        }
    }

    private final ManualClock clock = new ManualClock();
    private final OutboundQueues queues = new OutboundQueues(FerryConfig.DEFAULT.server().shutdownGrace(), clock);
    private final Stalled stalled = new Stalled();
    private final ChannelInboundHandlerAdapter anchor = new ChannelInboundHandlerAdapter();
    private final EmbeddedChannel channel = new EmbeddedChannel(stalled, anchor);

    @AfterEach
    void tearDown() {
        stalled.held.forEach(ReferenceCountUtil::release);
        channel.finishAndReleaseAll();
    }

    @Test
    void aConnectionOverItsBoundIsClosedOnlyAfterTheGrace() {
        WebSocketOutbound out = new WebSocketOutbound(channel.pipeline().context(anchor), queues, 1000);
        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false); // the peer does not read
        for (int i = 0; i < 10 && queues.slowConsumerCloses() == 0; i++) {
            out.send(Unpooled.copiedBuffer("{\"n\":\"" + "q".repeat(300) + "\"}", StandardCharsets.UTF_8), false);
        }
        assertThat(queues.slowConsumerCloses()).isEqualTo(1);
        assertThat(out.queuedBytes()).isZero();
        assertThat(stalled.held).last().isInstanceOfSatisfying(CloseWebSocketFrame.class,
                close -> assertThat(close.statusCode()).isEqualTo(4001));
        assertThat(channel.isOpen()).as("the close frame gets its grace").isTrue();
        clock.advance(Duration.ofMillis(GRACE_MS - 1));
        assertThat(channel.isOpen()).isTrue();
        clock.advance(Duration.ofMillis(1));
        assertThat(channel.isOpen()).as("closed once the grace has passed").isFalse();
    }

    @Test
    void aSlowConsumerWhoseCloseFrameIsWrittenDoesNotWaitForTheGrace() {
        WebSocketOutbound out = new WebSocketOutbound(channel.pipeline().context(anchor), queues, 1000);
        channel.pipeline().remove(stalled); // the socket takes what is written
        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false); // but the peer does not read
        for (int i = 0; i < 10 && queues.slowConsumerCloses() == 0; i++) {
            out.send(Unpooled.copiedBuffer("{\"n\":\"" + "q".repeat(300) + "\"}", StandardCharsets.UTF_8), false);
        }
        assertThat(queues.slowConsumerCloses()).isEqualTo(1);
        assertThat(channel.isOpen()).as("closed as soon as the close frame is written").isFalse();
        clock.advance(Duration.ofMillis(GRACE_MS)); // the grace timer finds it closed already
        assertThat(channel.isOpen()).isFalse();
    }
}
