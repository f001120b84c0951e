package dev.ferry.bench.fanout;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * One subscriber connection: after the upgrade it sends {@code sub} (id 1) and waits for its {@code result};
 * from then on it counts every {@code msg} and records its latency, now minus the publication's intended send
 * time {@code data.t}, when the publication belongs to the measured part of the run.
 *
 * <p>Lifecycle: HANDSHAKING, then SUBSCRIBING once the upgrade completes, then SUBSCRIBED on the result, then
 * CLOSED. {@link #subscribed()} completes on the result, or fails if the connection errs or closes first.
 */
final class SubscriberHandler extends ChannelInboundHandlerAdapter {
    private enum State { HANDSHAKING, SUBSCRIBING, SUBSCRIBED, CLOSED }

    private static final long SUB_ID = 1;

    private final String subFrame;
    private final FanoutCounters counters;
    private final Latencies latencies;
    private final RunWindow window;
    private final CompletableFuture<Void> subscribed = new CompletableFuture<>();

    // ---- event loop only
    private final FrameScanner scanner = new FrameScanner();
    private SingleWriterRecorder recorder;
    private State state = State.HANDSHAKING;
    private int closeCode;

    SubscriberHandler(String topic, FanoutCounters counters, Latencies latencies, RunWindow window) {
        this.subFrame = "{\"type\":\"sub\",\"id\":" + SUB_ID + ",\"topic\":\"" + topic + "\"}";
        this.counters = counters;
        this.latencies = latencies;
        this.window = window;
    }

    CompletableFuture<Void> subscribed() {
        return subscribed;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        recorder = latencies.forLoop(ctx.executor());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (ClientChannelInitializer.handshakeCompleted(evt, subscribed)) {
            state = State.SUBSCRIBING;
            ctx.writeAndFlush(new TextWebSocketFrame(subFrame));
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        long now = System.nanoTime();
        try {
            if (msg instanceof TextWebSocketFrame text) {
                onText(text.content(), now);
            } else if (msg instanceof CloseWebSocketFrame close) {
                closeCode = close.statusCode();
                ctx.writeAndFlush(new CloseWebSocketFrame(close.statusCode(), null))
                        .addListener(ChannelFutureListener.CLOSE);
            } else if (msg instanceof WebSocketFrame) {
                counters.protocolErrors.increment(); // binary messages: this run publishes text only
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    /** When the message being split into frames was read (event loop only). */
    private long readAt;

    /** A text message holds one or more frames separated by LF (protocol.md §2), all read at {@code now}. */
    private void onText(ByteBuf content, long now) {
        readAt = now;
        LfFrames.forEach(content, this, (buf, from, to, self) -> self.onFrame(buf, from, to, self.readAt));
    }

    private void onFrame(ByteBuf buf, int from, int to, long now) {
        if (!scanner.scan(buf, from, to)) {
            if (!blank(buf, from, to)) {
                counters.protocolErrors.increment();
            }
            return;
        }
        switch (scanner.type()) {
            case MSG -> {
                if (state != State.SUBSCRIBED || !scanner.hasT()) {
                    counters.protocolErrors.increment();
                    return;
                }
                counters.deliveries.increment();
                counters.lastDeliveryNanos.accumulate(now);
                if (scanner.t() >= window.measureStartNanos()) {
                    counters.measuredDeliveries.increment();
                    Latencies.record(recorder, now - scanner.t());
                }
            }
            case RESULT -> {
                if (state == State.SUBSCRIBING && scanner.id() == SUB_ID) {
                    state = State.SUBSCRIBED;
                    subscribed.complete(null);
                }
            }
            case ERROR -> {
                counters.protocolErrors.increment();
                subscribed.completeExceptionally(
                        new IOException("server error: " + buf.toString(from, to - from, StandardCharsets.UTF_8)));
            }
            default -> {
                // goaway and pushes this run does not ask for: nothing to count
            }
        }
    }

    private static boolean blank(ByteBuf buf, int from, int to) {
        for (int i = from; i < to; i++) {
            byte c = buf.getByte(i);
            if (c != ' ' && c != '\t' && c != '\r') {
                return false;
            }
        }
        return true;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        State was = state;
        state = State.CLOSED;
        if (!subscribed.isDone()) {
            subscribed.completeExceptionally(new IOException("connection closed before the subscription"
                    + (closeCode != 0 ? " (close code " + closeCode + ")" : "")));
        } else if (was == State.SUBSCRIBED && !window.isEnding()) {
            counters.closed(closeCode);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        subscribed.completeExceptionally(cause);
        ctx.close();
    }
}
