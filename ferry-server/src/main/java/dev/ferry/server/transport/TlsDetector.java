package dev.ferry.server.transport;

import dev.ferry.server.config.TlsConfig;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import java.util.List;

/**
 * First handler of a TLS port: looks at the first bytes of a connection. A TLS handshake gets an
 * {@link SslHandler} in its place, behind a {@link TlsRenegotiationFilter} that reads every record header from the
 * first, and {@link StrictTransportSecurity} after the HTTP codec when {@code tls.hsts.max-age} is set; plain HTTP gets {@link HttpsRedirect} behind the HTTP codec (so it is answered
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
            SslHandler ssl = tls.get().newHandler(ctx.alloc());
            // Added after this one, then this one removed: the bytes read so far go to the filter first.
            ctx.pipeline().addAfter(ctx.name(), HandlerNames.TLS, ssl);
            ctx.pipeline().addAfter(ctx.name(), HandlerNames.TLS_RENEGOTIATION, new TlsRenegotiationFilter(ssl));
            TlsConfig.Hsts hsts = tls.config().hsts();
            if (hsts != null) {
                ctx.pipeline().addAfter(HandlerNames.HTTP_CODEC, HandlerNames.HSTS, new StrictTransportSecurity(hsts.headerValue()));
            }
            ctx.pipeline().remove(this);
        } else if (tls.config().redirectHttp()) {
            ctx.pipeline().addAfter(HandlerNames.HTTP_AGGREGATOR, HandlerNames.HTTPS_REDIRECT, new HttpsRedirect());
            ctx.pipeline().remove(this);
        } else {
            in.skipBytes(in.readableBytes());
            ctx.close();
        }
    }
}
