package dev.ferry.server.transport;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.FrameCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** Writing responses: JSON bodies, the error shape {@code {"code","message"}}, keep-alive handling. */
public final class HttpResponses {
    private HttpResponses() {
    }

    /** {@code {"code": code, "message": message}} plus {@code ,"data": data} when data is JSON text. */
    public static byte[] errorBody(String code, String message, byte[] jsonData) {
        StringBuilder b = new StringBuilder("{\"code\":").append(new String(FrameCodec.quote(code), StandardCharsets.UTF_8))
                .append(",\"message\":").append(new String(FrameCodec.quote(message), StandardCharsets.UTF_8));
        if (jsonData != null) {
            b.append(",\"data\":").append(new String(jsonData, StandardCharsets.UTF_8));
        }
        return b.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    public static FullHttpResponse json(HttpResponseStatus status, byte[] body) {
        return response(status, Unpooled.wrappedBuffer(body), "application/json");
    }

    public static FullHttpResponse error(HttpResponseStatus status, String code, String message) {
        return json(status, errorBody(code, message, null));
    }

    /**
     * A refusal of the connection core as an HTTP error: 403 {@code forbidden}, {@code publish_refused} and
     * {@code subscribe_refused}, 502 {@code hook_unavailable}, 429 {@code rate_limited}, 503 {@code shutting_down}
     * and {@code too_many_topics}, 400 otherwise; the body carries its code, message and data.
     */
    public static FullHttpResponse refusal(ErrorCode code, String message, byte[] data) {
        HttpResponseStatus status = switch (code) {
            case FORBIDDEN, PUBLISH_REFUSED, SUBSCRIBE_REFUSED -> HttpResponseStatus.FORBIDDEN;
            case HOOK_UNAVAILABLE -> HttpResponseStatus.BAD_GATEWAY;
            case RATE_LIMITED -> HttpResponseStatus.TOO_MANY_REQUESTS;
            case SHUTTING_DOWN, TOO_MANY_TOPICS -> HttpResponseStatus.SERVICE_UNAVAILABLE;
            default -> HttpResponseStatus.BAD_REQUEST;
        };
        return json(status, errorBody(code.wire(), message, data));
    }

    /** The answer to refused credentials: 401 with {@code WWW-Authenticate: Bearer}, or 403. */
    public static FullHttpResponse authError(dev.ferry.server.auth.AuthError e) {
        FullHttpResponse r = error(HttpResponseStatus.valueOf(e.status()), e.code(), e.message());
        if (e.status() == 401) {
            r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"ferry\"");
        }
        return r;
    }

    public static FullHttpResponse text(HttpResponseStatus status, String body) {
        return response(status, Unpooled.copiedBuffer(body + "\n", StandardCharsets.UTF_8), "text/plain; charset=utf-8");
    }

    public static FullHttpResponse response(HttpResponseStatus status, ByteBuf body, String contentType) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        HttpUtil.setContentLength(r, body.readableBytes());
        return r;
    }

    /** Sends {@code response}, keeping the connection open only when the request asked for it and we may. */
    public static ChannelFuture send(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse response) {
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            return ctx.writeAndFlush(response);
        }
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
