package dev.ferry.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import java.util.List;

/**
 * First handler of a TLS port: looks at the first bytes of a connection. A TLS handshake gets an
 * {@link SslHandler} in its place; plain HTTP gets {@link HttpsRedirect} behind the HTTP codec (so it is answered
 * with a redirect to https and never reaches the endpoints), or is closed when redirects are off.
 */
final class TlsDetector extends ByteToMessageDecoder {
    /** A TLS record header is 5 bytes: enough to tell TLS from plain text. */
    private static final int SNIFF_BYTES = 5;

    private final TlsContext tls;

    TlsDetector(TlsContext tls) {
        this.tls = tls;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < SNIFF_BYTES) {
            return;
        }
        if (SslHandler.isEncrypted(in, false)) {
            ctx.pipeline().replace(this, HandlerNames.TLS, tls.get().newHandler(ctx.alloc()));
        } else if (tls.config().redirectHttp()) {
            ctx.pipeline().addAfter(HandlerNames.HTTP_AGGREGATOR, HandlerNames.HTTPS_REDIRECT, new HttpsRedirect());
            ctx.pipeline().remove(this);
        } else {
            in.skipBytes(in.readableBytes());
            ctx.close();
        }
    }
}
