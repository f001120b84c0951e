package dev.ferry.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Payload;
import dev.ferry.server.config.FerryConfig;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WebSocketOutboundTest {
    private EmbeddedChannel channel;
    private ChannelHandlerContext ctx;
    private OutboundQueues server;

    @BeforeEach
    void setUp() {
        ChannelInboundHandlerAdapter anchor = new ChannelInboundHandlerAdapter();
        channel = new EmbeddedChannel(anchor);
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(64, 128));
        ctx = channel.pipeline().context(anchor);
        server = new OutboundQueues(FerryConfig.DEFAULT.server().shutdownGrace(), dev.ferry.server.time.ServerClock.system());
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    /** Whether the peer reads: when it does not, the channel stays unwritable however often it is flushed. */
    private void peerReads(boolean reads) {
        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, reads);
    }

    @Test
    void aBurstLargerThanTheChannelBufferIsFlushedRatherThanQueued() {
        WebSocketOutbound out = new WebSocketOutbound(ctx, server, 1000);
        String pad = "z".repeat(300);
        for (int i = 1; i <= 10; i++) { // 3 KB in one task, to a peer that reads: no slow consumer
            out.send(new Frame.Msg("t", i, Payload.json("\"" + pad + "\"")));
        }
        assertThat(server.slowConsumerCloses()).isZero();
        channel.runPendingTasks();
        for (int i = 1; i <= 10; i++) {
            assertThat(text(channel.readOutbound())).contains("\"offset\":" + i + ",");
        }
    }

    /**
     * The text of a message written, released: a {@link TextWebSocketFrame} from {@code send(ByteBuf, ...)}, or the
     * frame {@code send(Frame)} encoded and framed itself.
     */
    private static String text(Object written) {
        if (written instanceof TextWebSocketFrame f) {
            try {
                return f.text();
            } finally {
                f.release();
            }
        }
        return payloadOf(written);
    }

    @Test
    void aHeldQueueWritesNothingUntilOpenedThenAllInOrder() {
        WebSocketOutbound out = WebSocketOutbound.held(ctx, server, 1024);
        out.send(new Frame.Pong(1));
        out.send(Unpooled.copiedBuffer("{\"n\":2}", StandardCharsets.UTF_8), false);
        out.ping();
        channel.runPendingTasks();
        assertThat((Object) channel.readOutbound()).as("nothing before the handshake completes").isNull();
        assertThat(out.queuedBytes()).isPositive();
        out.open(null);
        channel.runPendingTasks();
        assertThat(text(channel.readOutbound())).contains("\"id\":1");
        assertThat(text(channel.readOutbound())).isEqualTo("{\"n\":2}");
        assertThat((Object) channel.readOutbound()).isNull();
        assertThat(out.queuedBytes()).isZero();
    }

    @Test
    void aHeldQueueStaysBoundedAndClosesTheChannelWhenItOverflows() {
        WebSocketOutbound out = WebSocketOutbound.held(ctx, server, 100);
        out.send(Unpooled.copiedBuffer("x".repeat(150), StandardCharsets.UTF_8), false);
        assertThat(server.slowConsumerCloses()).isEqualTo(1);
        assertThat(channel.isOpen()).isFalse();
        assertThat((Object) channel.readOutbound()).isNull();
    }

    @Test
    void writesInOrder() {
        WebSocketOutbound out = new WebSocketOutbound(ctx, server, 1024);
        out.send(new Frame.Pong(1));
        out.send(new Frame.Pong(2));
        channel.runPendingTasks();
        assertThat(text(channel.readOutbound())).isEqualTo("{\"type\":\"pong\",\"id\":1}");
        assertThat(text(channel.readOutbound())).isEqualTo("{\"type\":\"pong\",\"id\":2}");
    }

    @Test
    void queuesWhileUnwritableAndDrainsInOrder() {
        WebSocketOutbound out = new WebSocketOutbound(ctx, server, 4096);
        String pad = "x".repeat(200);
        out.send(new Frame.Msg("t", 1, Payload.json("\"" + pad + "\"")));
        peerReads(false); // flushing does not help: what is written stays in the channel's buffer
        for (int i = 2; i <= 5; i++) {
            out.send(new Frame.Msg("t", i, Payload.json("\"" + pad + "\"")));
        }
        assertThat(channel.isWritable()).isFalse();
        assertThat(out.queuedBytes()).isPositive();
        assertThat(server.queuedBytes()).as("the server-wide gauge").isEqualTo(out.queuedBytes());
        peerReads(true); // writability returns
        for (int round = 0; round < 10 && out.queuedBytes() > 0; round++) {
            channel.flush();
            out.drain();
        }
        channel.runPendingTasks();
        for (int i = 1; i <= 5; i++) {
            assertThat(text(channel.readOutbound())).contains("\"offset\":" + i + ",");
        }
        assertThat(out.queuedBytes()).isZero();
        assertThat(server.queuedBytes()).isZero();
    }

    private static io.netty.buffer.ByteBuf framedText(String payload) {
        return WebSocketFraming.frame(Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8), false);
    }

    /** The payload text of a frame written by the outbound as raw RFC 6455 bytes (unmasked, one frame). */
    private static String payloadOf(Object written) {
        io.netty.buffer.ByteBuf b = (io.netty.buffer.ByteBuf) written;
        try {
            int header = WebSocketFraming.headerLength(b);
            assertThat(b.getByte(b.readerIndex())).as("FIN + text").isEqualTo((byte) 0x81);
            return b.toString(b.readerIndex() + header, b.readableBytes() - header, StandardCharsets.UTF_8);
        } finally {
            b.release();
        }
    }

    @Test
    void publicationsOfOneLoopRunGoOutAsOneLfBatchedMessage() {
        WebSocketOutbound out = new WebSocketOutbound(ctx, server, 1 << 20);
        for (int i = 1; i <= 3; i++) {
            String msg = "{\"type\":\"msg\",\"topic\":\"t\",\"offset\":" + i + ",\"data\":" + i + "}";
            out.sendFramed(framedText(msg), msg.length(), null);
        }
        assertThat((Object) channel.readOutbound()).as("held until the flush").isNull();
        channel.runPendingTasks(); // the loop's flush
        assertThat(payloadOf(channel.readOutbound())).isEqualTo(
                "{\"type\":\"msg\",\"topic\":\"t\",\"offset\":1,\"data\":1}\n"
                        + "{\"type\":\"msg\",\"topic\":\"t\",\"offset\":2,\"data\":2}\n"
                        + "{\"type\":\"msg\",\"topic\":\"t\",\"offset\":3,\"data\":3}");
        assertThat((Object) channel.readOutbound()).isNull();
        String one = "{\"type\":\"msg\",\"topic\":\"t\",\"offset\":4,\"data\":4}";
        out.sendFramed(framedText(one), one.length(), null);
        channel.runPendingTasks();
        assertThat(payloadOf(channel.readOutbound())).as("a lone publication is written as framed").isEqualTo(one);
    }

    @Test
    void aBatchKeepsItsPlaceAmongOtherFramesAndHasABound() {
        WebSocketOutbound out = new WebSocketOutbound(ctx, server, 1 << 20);
        out.sendFramed(framedText("{\"n\":1}"), 7, null);
        out.sendFramed(framedText("{\"n\":2}"), 7, null);
        out.send(new Frame.Pong(9)); // not batchable: the batch goes out first
        out.sendFramed(framedText("{\"n\":3}"), 7, null);
        for (int i = 0; i < LfBatch.MAX_FRAMES; i++) {
            out.sendFramed(framedText("{\"m\":" + i + "}"), ("{\"m\":" + i + "}").length(), null);
        }
        channel.runPendingTasks();
        assertThat(payloadOf(channel.readOutbound())).isEqualTo("{\"n\":1}\n{\"n\":2}");
        assertThat(text(channel.readOutbound())).isEqualTo("{\"type\":\"pong\",\"id\":9}");
        String full = payloadOf(channel.readOutbound());
        assertThat(full.split("\n")).as("bounded").hasSize(LfBatch.MAX_FRAMES).startsWith("{\"n\":3}");
        String rest = payloadOf(channel.readOutbound());
        assertThat(rest.split("\n")).hasSize(1);
        assertThat((Object) channel.readOutbound()).isNull();
    }

    @Test
    void publicationsWaitingForASlowReaderAreGatheredIntoBatchesInOrder() {
        WebSocketOutbound out = new WebSocketOutbound(ctx, server, 1 << 20);
        peerReads(false);
        out.send(Unpooled.copiedBuffer("x".repeat(200), StandardCharsets.UTF_8), false); // waits: the peer reads nothing
        int waiting = LfBatch.MAX_FRAMES + 3;
        for (int i = 0; i < waiting; i++) {
            String m = "{\"w\":" + i + "}";
            out.sendFramed(framedText(m), m.length(), null);
        }
        out.send(new Frame.Pong(7)); // not batchable: keeps its place behind the batches
        String after = "{\"w\":\"after\"}";
        out.sendFramed(framedText(after), after.length(), null);
        assertThat(out.queuedBytes()).isPositive();
        assertThat(server.queuedBytes()).isEqualTo(out.queuedBytes());

        peerReads(true);
        java.util.Deque<Object> written = new java.util.ArrayDeque<>();
        for (int round = 0; round < 100 && (out.queuedBytes() > 0 || round == 0); round++) { // as writability returns
            out.drain();
            channel.runPendingTasks();
            for (Object f; (f = channel.readOutbound()) != null; ) {
                written.add(f);
            }
        }
        TextWebSocketFrame filler = (TextWebSocketFrame) written.poll();
        filler.release();
        String[] first = payloadOf(written.poll()).split("\n");
        assertThat(first).as("one message per full batch").hasSize(LfBatch.MAX_FRAMES)
                .startsWith("{\"w\":0}").endsWith("{\"w\":" + (LfBatch.MAX_FRAMES - 1) + "}");
        assertThat(payloadOf(written.poll()).split("\n")).containsExactly(
                "{\"w\":" + LfBatch.MAX_FRAMES + "}", "{\"w\":" + (LfBatch.MAX_FRAMES + 1) + "}",
                "{\"w\":" + (LfBatch.MAX_FRAMES + 2) + "}");
        assertThat(text(written.poll())).isEqualTo("{\"type\":\"pong\",\"id\":7}");
        assertThat(payloadOf(written.poll())).isEqualTo(after);
        assertThat(written).isEmpty();
        assertThat(out.queuedBytes()).isZero();
        assertThat(server.queuedBytes()).isZero();
    }

    @Test
    void aSlowReaderWhoseBatchesOverflowIsClosedAndTheirFramesReleased() {
        WebSocketOutbound out = new WebSocketOutbound(ctx, server, 1000);
        peerReads(false);
        out.send(Unpooled.copiedBuffer("x".repeat(200), StandardCharsets.UTF_8), false); // fills the channel
        java.util.List<io.netty.buffer.ByteBuf> sent = new java.util.ArrayList<>();
        for (int i = 0; i < 40 && server.slowConsumerCloses() == 0; i++) {
            String m = "{\"w\":\"" + "p".repeat(40) + i + "\"}";
            io.netty.buffer.ByteBuf f = framedText(m);
            sent.add(f);
            out.sendFramed(f, m.length(), null);
        }
        assertThat(server.slowConsumerCloses()).isEqualTo(1);
        assertThat(sent).allSatisfy(f -> assertThat(f.refCnt()).isZero());
        assertThat(out.queuedBytes()).isZero();
        assertThat(server.queuedBytes()).isZero();
    }

    @Test
    void afterTheChannelClosedWhatArrivesIsReleasedAtOnce() {
        WebSocketOutbound out = new WebSocketOutbound(ctx, server, 4096);
        peerReads(false);
        out.send(Unpooled.copiedBuffer("x".repeat(200), StandardCharsets.UTF_8), false); // fills the channel
        io.netty.buffer.ByteBuf waiting = Unpooled.copiedBuffer("waiting", StandardCharsets.UTF_8);
        out.sendFramed(waiting, 7, null);
        assertThat(out.queuedBytes()).isPositive();
        out.channelClosed();
        assertThat(waiting.refCnt()).isZero();
        io.netty.buffer.ByteBuf late = Unpooled.copiedBuffer("late", StandardCharsets.UTF_8);
        out.sendFramed(late, 4, null); // a delivery already on its way to the loop when the channel closed
        assertThat(late.refCnt()).as("released, not queued where nobody drains it").isZero();
        assertThat(out.queuedBytes()).isZero();
        assertThat(server.queuedBytes()).isZero();
    }

    /**
     * Makes the channel's flush fail as a write to a peer that has gone does ("Broken pipe"): the channel closes
     * there and then, and its close-future listener tells the outbound, as the WebSocket handlers do.
     */
    private WebSocketOutbound outboundWhoseFlushCloses() {
        channel.pipeline().addFirst(new io.netty.channel.ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext c) {
                c.close();
            }
        });
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
                // the failed writes are the peer's fault, as the WebSocket handlers count them
            }
        });
        WebSocketOutbound out = new WebSocketOutbound(ctx, server, 4096);
        channel.closeFuture().addListener(f -> out.channelClosed());
        out.send(Unpooled.copiedBuffer("x".repeat(200), StandardCharsets.UTF_8), false); // fills the channel
        assertThat(channel.isWritable()).isFalse();
        return out;
    }

    @Test
    void aPublicationWhoseFlushForRoomClosesTheChannelIsReleased() {
        WebSocketOutbound out = outboundWhoseFlushCloses();
        String m = "{\"n\":1}";
        io.netty.buffer.ByteBuf framed = framedText(m);
        out.sendFramed(framed, m.length(), null); // flushes for room: the write fails and the channel closes
        assertThat(channel.isOpen()).isFalse();
        assertThat(framed.refCnt()).as("released, not queued where nobody drains it").isZero();
        assertThat(out.queuedBytes()).isZero();
        assertThat(server.queuedBytes()).isZero();
    }

    @Test
    void aFrameWhoseFlushForRoomClosesTheChannelIsReleased() {
        WebSocketOutbound out = outboundWhoseFlushCloses();
        io.netty.buffer.ByteBuf encoded = Unpooled.copiedBuffer("{\"n\":2}", StandardCharsets.UTF_8);
        out.send(encoded, false, () -> { });
        assertThat(channel.isOpen()).isFalse();
        assertThat(encoded.refCnt()).isZero();
        assertThat(out.queuedBytes()).isZero();
        assertThat(server.queuedBytes()).isZero();
    }

    @Test
    void overflowClosesAsSlowConsumerAndDropsTheQueue() {
        WebSocketOutbound out = new WebSocketOutbound(ctx, server, 1000);
        String pad = "y".repeat(300);
        for (int i = 1; i <= 10; i++) {
            if (i == 2) {
                peerReads(false);
            }
            out.send(Unpooled.copiedBuffer("{\"type\":\"msg\",\"topic\":\"t\",\"offset\":" + i + ",\"data\":\"" + pad + "\"}",
                    StandardCharsets.UTF_8), false);
        }
        assertThat(server.slowConsumerCloses()).isEqualTo(1);
        assertThat(out.queuedBytes()).isZero();
        assertThat(server.queuedBytes()).isZero();
        out.send(new Frame.Pong(1)); // after the close: dropped (and released)
        channel.runPendingTasks();
        Object first = channel.readOutbound();
        assertThat(text(first)).contains("\"offset\":1,"); // what the socket had already taken stays
        CloseWebSocketFrame close = channel.readOutbound();
        assertThat(close.statusCode()).isEqualTo(4001);
        assertThat(close.reasonText()).isEqualTo("slow consumer");
        close.release();
        assertThat(channel.isOpen()).isFalse();
    }
}
