package dev.ferry.bench.idle;

import dev.ferry.bench.fanout.LfFrames;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * The callee of the {@code rpc} run: registers one procedure and answers every {@code invoke} with
 * {@code reply}, its {@code data} being the invocation's {@code args} as they came.
 */
final class CalleeHandler extends ChannelInboundHandlerAdapter {
    private static final byte[] INVOKE = "\"type\":\"invoke\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ID = "\"id\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ARGS = "\"args\":".getBytes(StandardCharsets.US_ASCII);

    private final String proc;
    private final CompletableFuture<Void> registered = new CompletableFuture<>();

    CalleeHandler(String proc) {
        this.proc = proc;
    }

    CompletableFuture<Void> registered() {
        return registered;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            ctx.writeAndFlush(new TextWebSocketFrame("{\"type\":\"register\",\"id\":1,\"proc\":\"" + proc + "\"}"));
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof TextWebSocketFrame text) {
                ByteBuf b = text.content();
                if (!registered.isDone()) {
                    String s = b.toString(StandardCharsets.UTF_8);
                    if (s.contains("\"type\":\"result\"")) {
                        registered.complete(null);
                    } else {
                        registered.completeExceptionally(new IOException("register refused: " + s));
                    }
                    return;
                }
                LfFrames.forEach(b, ctx, CalleeHandler::reply);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    /**
     * Flushes the replies to everything one read brought (the server writes several invocations per flush, each its
     * own WebSocket message): one send per read, not one per reply.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        ctx.flush();
        super.channelReadComplete(ctx);
    }

    /** Answers the {@code invoke} frame in {@code b[from, to)} (other frames are ignored) with its args. */
    private static void reply(ByteBuf b, int from, int to, ChannelHandlerContext ctx) {
        if (indexOf(b, INVOKE, from, to) < 0) {
            return;
        }
        int idAt = indexOf(b, ID, from, to) + ID.length;
        int idEnd = idAt;
        while (Character.isDigit(b.getByte(idEnd))) {
            idEnd++;
        }
        int argsAt = indexOf(b, ARGS, from, to) + ARGS.length;
        int argsEnd = to - 1; // the frame's closing brace
        String reply = "{\"type\":\"reply\",\"id\":" + b.toString(idAt, idEnd - idAt, StandardCharsets.US_ASCII)
                + ",\"data\":" + b.toString(argsAt, argsEnd - argsAt, StandardCharsets.UTF_8) + "}";
        ctx.write(new TextWebSocketFrame(reply));
    }

    private static int indexOf(ByteBuf buf, byte[] needle, int from, int to) {
        int end = to - needle.length;
        outer:
        for (int i = from; i <= end; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (buf.getByte(i + j) != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        registered.completeExceptionally(new IOException("callee connection closed"));
        super.channelInactive(ctx);
    }
}
