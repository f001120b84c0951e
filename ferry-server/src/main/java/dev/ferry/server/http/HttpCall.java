package dev.ferry.server.http;

import dev.ferry.server.transport.HttpResponses;
import dev.ferry.protocol.CancelMode;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.Payload;
import dev.ferry.server.rpc.Caller;
import dev.ferry.server.rpc.Rpc;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.EventExecutor;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * One {@code POST /v1/call/{procedure}} waiting for its outcome (docs/http-api.md). Plain, the outcome is the
 * response. Streamed ({@code Accept: application/x-ndjson}), the call takes progressive results: each is a line
 * of the chunked response, and the outcome is the last line; the response head goes with the first line (an
 * outcome before any progress keeps its own status). When the client disconnects first, the call is canceled
 * ({@code killnowait}: its callee is interrupted). Event loop only: the channel's.
 */
final class HttpCall implements Caller {
    static final String NDJSON = "application/x-ndjson";

    private final HttpServices server;
    private final ChannelHandlerContext ctx;
    private final boolean keepAlive;
    private final boolean streamed;
    /** Bytes a streamed response may have waiting for the client before it is closed (and the call canceled). */
    private final int maxQueuedBytes;
    private final ChannelFutureListener onClose = f -> clientGone();
    /** Who calls: the API key or token of the request. */
    private final dev.ferry.server.auth.Identity identity;

    // ---- event loop only
    private long invocation;
    private boolean headSent;
    private boolean done;

    HttpCall(HttpServices server, ChannelHandlerContext ctx, boolean keepAlive, boolean streamed,
             dev.ferry.server.auth.Identity identity) {
        this.server = server;
        this.identity = identity;
        this.ctx = ctx;
        this.keepAlive = keepAlive;
        this.streamed = streamed;
        this.maxQueuedBytes = server.config().websocket().outboundQueueBytes();
    }

    /** Makes the call; the response follows its outcome. */
    void start(Rpc rpc, String proc, Payload args, long timeoutMs) {
        if (!ctx.channel().isActive()) {
            return;
        }
        ctx.channel().attr(dev.ferry.server.transport.OpenChannels.HTTP_BUSY).set(Boolean.TRUE);
        ctx.channel().closeFuture().addListener(onClose);
        long id = rpc.call(this, 1, proc, args, timeoutMs, streamed);
        if (!done) {
            invocation = id;
        }
    }

    @Override
    public EventExecutor executor() {
        return ctx.executor();
    }

    @Override
    public dev.ferry.server.rpc.CallOrigin origin() {
        return new dev.ferry.server.rpc.CallOrigin("http", null, identity);
    }

    @Override
    public void callProgress(long requestId, Payload data) {
        if (done || !ctx.channel().isActive()) {
            return;
        }
        if (!headSent) {
            ctx.write(head(HttpResponseStatus.OK));
            headSent = true;
        }
        ctx.writeAndFlush(new DefaultHttpContent(line("progress", data)));
        ChannelOutboundBuffer queued = ctx.channel().unsafe().outboundBuffer();
        if (queued != null && queued.totalPendingWriteBytes() > maxQueuedBytes) {
            ctx.channel().close(); // a client that does not read: closing cancels the call (clientGone)
        }
    }

    @Override
    public void callSucceeded(long requestId, Payload result) {
        if (!settled()) {
            return;
        }
        if (streamed) {
            end(HttpResponseStatus.OK, line("result", result));
        } else {
            respond(HttpResponses.response(HttpResponseStatus.OK, Unpooled.wrappedBuffer(result.bytes()),
                    result.isBinary() ? "application/octet-stream" : "application/json"));
        }
    }

    @Override
    public void callFailed(long requestId, ErrorCode code, String message, Payload data) {
        if (!settled()) {
            return;
        }
        byte[] json = data == null || data.isBinary() ? null : data.bytes();
        if (streamed) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes("{\"type\":\"error\",".getBytes(StandardCharsets.UTF_8));
            byte[] body = HttpResponses.errorBody(code.wire(), message, json);
            out.write(body, 1, body.length - 1);
            out.write('\n');
            end(HttpApi.statusOf(code), Unpooled.wrappedBuffer(out.toByteArray()));
        } else {
            respond(HttpResponses.json(HttpApi.statusOf(code), HttpResponses.errorBody(code.wire(), message, json)));
        }
    }

    /** Marks the call settled; false when it already was (or the client is gone). */
    private boolean settled() {
        if (done) {
            return false;
        }
        done = true;
        ctx.channel().closeFuture().removeListener(onClose);
        ctx.channel().attr(dev.ferry.server.transport.OpenChannels.HTTP_BUSY).set(null);
        return ctx.channel().isActive();
    }

    /** The client went away before the outcome: cancel the call. */
    private void clientGone() {
        if (!done) {
            done = true;
            ctx.channel().attr(dev.ferry.server.transport.OpenChannels.HTTP_BUSY).set(null);
            server.rpc().cancel(invocation, CancelMode.KILLNOWAIT);
        }
    }

    private boolean keepOpen() {
        return keepAlive && !server.draining();
    }

    private void respond(FullHttpResponse response) {
        HttpResponses.send(ctx, keepOpen(), response);
    }

    /** The outcome line of a streamed call: the last chunk, or the whole response when nothing went before it. */
    private void end(HttpResponseStatus status, ByteBuf lastLine) {
        if (!headSent) {
            respond(HttpResponses.response(status, lastLine, NDJSON));
            return;
        }
        var written = ctx.writeAndFlush(new DefaultLastHttpContent(lastLine));
        if (!keepOpen()) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private HttpResponse head(HttpResponseStatus status) {
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, NDJSON);
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        r.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        r.headers().set(HttpHeaderNames.CONNECTION, keepOpen() ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        return r;
    }

    /** {@code {"type":<type>,"data":<payload>}} and LF, or {@code "data_base64"} for a binary payload. */
    private static ByteBuf line(String type, Payload data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length() + 32);
        out.writeBytes(("{\"type\":" + new String(FrameCodec.quote(type), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        if (data.isBinary()) {
            out.writeBytes((",\"data_base64\":\"" + Base64.getEncoder().encodeToString(data.bytes()) + "\"}\n")
                    .getBytes(StandardCharsets.UTF_8));
        } else {
            out.writeBytes(",\"data\":".getBytes(StandardCharsets.UTF_8));
            out.writeBytes(data.bytes());
            out.writeBytes("}\n".getBytes(StandardCharsets.UTF_8));
        }
        return Unpooled.wrappedBuffer(out.toByteArray());
    }
}
