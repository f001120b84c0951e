package dev.ferry.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits in front of the server's {@link SslHandler} and closes a connection whose client starts a renegotiation, so
 * that a client cannot make the server repeat the expensive part of a handshake as often as it likes on one
 * connection (and no renegotiation attack applies, whatever the TLS provider allows).
 *
 * <p>It reads only the plaintext record headers (RFC 5246 §6.2.1, RFC 8446 §5.1: a content type byte, a 2-byte
 * version, a 2-byte length) and passes every byte on unchanged. Once the handshake has succeeded, a record of type
 * {@code handshake(22)} from the client can only be a renegotiation: in TLS 1.2 a new ClientHello (RFC 5246
 * §7.4.1.2), and in TLS 1.3 handshake messages after the ServerHello travel in {@code application_data(23)}
 * records, so a client's KeyUpdate never shows as 22. The bytes before a handshake record are handed to the
 * SslHandler first, so the handshake state it checks is current even when the client's Finished and a new
 * ClientHello arrive in one read (the SslHandler runs its handshake tasks on the event loop, synchronously).
 *
 * <p>Event loop only, like every handler.
 */
final class TlsRenegotiationFilter extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(TlsRenegotiationFilter.class);

    /** {@code ContentType.handshake} (RFC 5246 §6.2.1). */
    private static final int HANDSHAKE = 22;
    private static final int HEADER_BYTES = 5;

    private enum State {
        /** Reading a record header: {@link #headerRead} of its 5 bytes seen. */
        HEADER,
        /** Passing over a record's fragment: {@link #fragmentLeft} bytes to go. */
        FRAGMENT,
        /** A renegotiation was refused: the connection is closing and what arrives is dropped. */
        REFUSED
    }

    private final BooleanSupplier handshakeDone;

    // event loop only
    private State state = State.HEADER;
    private int headerRead;
    private int length;
    private int fragmentLeft;

    /** In front of {@code tls}. */
    TlsRenegotiationFilter(SslHandler tls) {
        this(() -> tls.handshakeFuture().isSuccess());
    }

    /** {@code handshakeDone}: whether the handler behind has completed the handshake, with what it received so far. */
    TlsRenegotiationFilter(BooleanSupplier handshakeDone) {
        this.handshakeDone = handshakeDone;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (state == State.REFUSED) {
            in.release();
            return;
        }
        int from = in.readerIndex();
        int end = in.writerIndex();
        int pos = from;
        while (pos < end) {
            if (state == State.FRAGMENT) {
                int n = Math.min(fragmentLeft, end - pos);
                pos += n;
                fragmentLeft -= n;
                if (fragmentLeft == 0) {
                    state = State.HEADER;
                }
                continue;
            }
            int b = in.getUnsignedByte(pos);
            if (headerRead == 0 && b == HANDSHAKE) {
                if (pos > from) {
                    ctx.fireChannelRead(in.retainedSlice(from, pos - from));
                    from = pos;
                }
                if (handshakeDone.getAsBoolean()) {
                    in.release();
                    refuse(ctx);
                    return;
                }
            } else if (headerRead == 3) {
                length = b << 8;
            } else if (headerRead == 4) {
                length |= b;
            }
            pos++;
            if (++headerRead == HEADER_BYTES) {
                headerRead = 0;
                fragmentLeft = length;
                state = length == 0 ? State.HEADER : State.FRAGMENT;
            }
        }
        if (from == end) {
            in.release();
        } else {
            in.readerIndex(from);
            ctx.fireChannelRead(in);
        }
    }

    /** Closes from the tail, so that the SslHandler sends its close_notify first. */
    private void refuse(ChannelHandlerContext ctx) {
        state = State.REFUSED;
        log.debug("{}: client-initiated TLS renegotiation refused, closing", ctx.channel().remoteAddress());
        ctx.channel().close();
    }
}
