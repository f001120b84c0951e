package dev.ferry.server.transport;

import dev.ferry.protocol.CloseCodes;
import dev.ferry.server.time.ServerClock;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Netty's WebSocket frame aggregator (whole messages of at most {@code websocket.max-message-bytes} out of
 * fragments, RFC 6455 §5.4), bounded in time and in memory across connections:
 * <ul>
 *   <li>a fragmented message must be complete within {@code websocket.fragment-timeout} of its first fragment,
 *       whatever else arrives meanwhile (control frames such as pongs may come between fragments, §5.4, and
 *       must not keep an unfinished message alive); otherwise close 4008 {@code message not completed in time};</li>
 *   <li>the fragments of unfinished messages of all connections together hold at most
 *       {@code limits.reassembly-bytes} ({@link ReassemblyBudget}); a fragment beyond it closes its connection
 *       with 4009 {@code reassembly budget exhausted}.</li>
 * </ul>
 * Either way the unfinished message is released at once, a {@link Refused} goes to the endpoint's handler, which
 * closes the connection with its code, and every data frame that still arrives is dropped unread. Unfragmented
 * messages pass through untouched and hold nothing here. The timer is timed on the server's {@link ServerClock} and
 * runs on the channel's event loop (a test advances a manual clock). Event loop only.
 */
public final class BoundedFrameAggregator extends WebSocketFrameAggregator {
    /** Why an unfinished message was given up: the endpoint closes the connection with {@link #code()}. */
    public static final class Refused extends RuntimeException {
        private final int code;

        Refused(int code, String reason) {
            super(reason, null, false, false);
            this.code = code;
        }

        /** The WebSocket close code: 4008 or 4009. */
        public int code() {
            return code;
        }

        /** The close reason. */
        public String reason() {
            return getMessage();
        }
    }

    private final ReassemblyBudget budget;
    private final long timeoutNanos;
    private final ServerClock clock;

    // ---- event loop only
    /** A fragmented message is being reassembled (from its first fragment to its last, or until given up). */
    private boolean inMessage;
    /** Bytes of the unfinished message held in {@link #budget}. */
    private long held;
    private ScheduledFuture<?> deadline;
    /** An unfinished message was given up: the connection is closing and what it sends is dropped. */
    private boolean refused;

    public BoundedFrameAggregator(int maxMessageBytes, ReassemblyBudget budget, Duration fragmentTimeout,
                                  ServerClock clock) {
        super(maxMessageBytes);
        this.budget = budget;
        this.timeoutNanos = fragmentTimeout.toNanos();
        this.clock = clock;
    }

    @Override
    public boolean acceptInboundMessage(Object msg) throws Exception {
        if (refused && (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame
                || msg instanceof ContinuationWebSocketFrame)) {
            return true; // taken, to be dropped by decode
        }
        return super.acceptInboundMessage(msg);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, WebSocketFrame msg, List<Object> out) throws Exception {
        if (refused) {
            return; // dropped (the decoder releases it)
        }
        boolean first = !(msg instanceof ContinuationWebSocketFrame); // a text or binary frame without FIN
        if (first || inMessage) {
            if (!budget.tryHold(msg.content().readableBytes())) {
                budget.overBudget();
                refuse(ctx, CloseCodes.REASSEMBLY_BUDGET_EXHAUSTED, "reassembly budget exhausted");
                return;
            }
            held += msg.content().readableBytes();
            if (first) {
                inMessage = true;
                deadline = clock.schedule(ctx.executor(), () -> expired(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
            }
        }
        super.decode(ctx, msg, out);
    }

    @Override
    protected void finishAggregation(WebSocketFrame aggregated) throws Exception {
        endMessage();
        super.finishAggregation(aggregated);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, WebSocketFrame oversized) throws Exception {
        endMessage(); // the base class drops the message and the endpoint closes with 1009
        super.handleOversizedMessage(ctx, oversized);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        endMessage();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
        endMessage();
        super.handlerRemoved(ctx);
    }

    private void expired(ChannelHandlerContext ctx) {
        deadline = null;
        if (inMessage && !refused) {
            budget.timedOut();
            refuse(ctx, CloseCodes.MESSAGE_NOT_COMPLETED, "message not completed in time");
        }
    }

    private void refuse(ChannelHandlerContext ctx, int code, String reason) {
        refused = true;
        releaseCurrentMessage();
        endMessage();
        ctx.fireExceptionCaught(new Refused(code, reason));
    }

    /** The unfinished message is complete or given up: its bytes go back to the budget, its timer stops. */
    private void endMessage() {
        inMessage = false;
        budget.release(held);
        held = 0;
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }
}
