package dev.ferry.bench.idle;

import dev.ferry.bench.fanout.ClientChannelInitializer;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * One closed-loop client connection: sends a request, waits for its answer, records the round trip, sends the
 * next. Against Ferry the request is {@code call} and the answer its {@code result}; against the echo server the
 * request is the same text and the answer its echo. Stops sending once {@link #stop()} has been called, and may be
 * started again after.
 */
final class RoundTripHandler extends ChannelInboundHandlerAdapter {
    /** What a request looks like, and how its answer is recognised. */
    enum Mode { FERRY_CALL, ECHO }

    private static final byte[] RESULT = "\"type\":\"result\"".getBytes(StandardCharsets.US_ASCII);

    private final Mode mode;
    private final String proc;
    private final String args;
    private final Recorder recorder;
    private final LongAdder errors;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private volatile boolean stopped;
    /** Whether a request is waiting for its answer. */
    private volatile boolean inFlight;

    // ---- event loop only
    private long id;
    private long sentNanos;

    RoundTripHandler(Mode mode, String proc, String args, Recorder recorder, LongAdder errors) {
        this.mode = mode;
        this.proc = proc;
        this.args = args;
        this.recorder = recorder;
        this.errors = errors;
    }

    CompletableFuture<Void> ready() {
        return ready;
    }

    /** Starts (or starts again) the loop of round trips on this connection's event loop. */
    void start(ChannelHandlerContext ctx) {
        stopped = false;
        ctx.executor().execute(() -> send(ctx));
    }

    /** Sends no more requests; the one in flight, if any, is still answered and recorded. */
    void stop() {
        stopped = true;
    }

    /** Stopped, with no request waiting for its answer (or the connection is gone). */
    boolean quiet() {
        return stopped && (!inFlight || ctx == null || !ctx.channel().isActive());
    }

    private ChannelHandlerContext ctx;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    ChannelHandlerContext context() {
        return ctx;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (ClientChannelInitializer.handshakeCompleted(evt, ready)) {
            ready.complete(null);
        }
        super.userEventTriggered(ctx, evt);
    }

    private void send(ChannelHandlerContext ctx) {
        if (stopped || !ctx.channel().isActive()) {
            return;
        }
        String text = mode == Mode.ECHO ? args
                : "{\"type\":\"call\",\"id\":" + (++id) + ",\"proc\":\"" + proc + "\",\"args\":" + args + "}";
        sentNanos = System.nanoTime();
        inFlight = true;
        ctx.writeAndFlush(new TextWebSocketFrame(text));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        long now = System.nanoTime();
        try {
            if (msg instanceof TextWebSocketFrame text) {
                inFlight = false;
                if (mode == Mode.ECHO || contains(text.content(), RESULT)) {
                    recorder.recordValue(now - sentNanos);
                } else {
                    errors.increment(); // an error frame: the call did not get its result
                }
                send(ctx);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    static boolean contains(ByteBuf buf, byte[] needle) {
        int end = buf.writerIndex() - needle.length;
        outer:
        for (int i = buf.readerIndex(); i <= end; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (buf.getByte(i + j) != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        ready.completeExceptionally(new IOException("connection closed"));
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ready.completeExceptionally(cause);
        errors.increment();
        ctx.close();
    }
}
