package dev.ferry.server.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;

/**
 * Adds {@code Strict-Transport-Security} (RFC 6797) to every HTTP response of a TLS connection, the WebSocket
 * upgrade's 101 included, then leaves the pipeline after a 101: no HTTP response follows a protocol switch. Only on
 * TLS connections: RFC 6797 §7.2 forbids the header over plain HTTP.
 */
final class StrictTransportSecurity extends ChannelOutboundHandlerAdapter {
    static final AsciiString HEADER = AsciiString.cached("strict-transport-security");

    private final String value;

    /** {@code value}: the header's value, e.g. {@code max-age=31536000}. */
    StrictTransportSecurity(String value) {
        this.value = value;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse r) {
            r.headers().set(HEADER, value);
            boolean switching = r.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code();
            ctx.write(msg, promise);
            if (switching) {
                ctx.pipeline().remove(this);
            }
            return;
        }
        ctx.write(msg, promise);
    }
}
