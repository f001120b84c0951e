package dev.ferry.server.tunnel.client;

import dev.ferry.server.tunnel.Masking;
import dev.ferry.server.tunnel.Relay;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Encodes the tunnel client's binary frames by masking their payload where it lies, instead of copying it into a new
 * buffer as Netty's {@code WebSocket08FrameEncoder} does for a client: the payload of a frame the relay writes is the
 * buffer just read from the local socket, which nothing else holds, so XOR-ing it in place and writing a separate
 * header before it (one gathering write) puts each byte through the CPU once instead of twice.
 *
 * <p>RFC 6455 §5.3: every frame from a client is masked with a fresh 32-bit key, each payload byte {@code i} XOR-ed
 * with key byte {@code i mod 4}. The key comes from the thread's random generator, as Netty's encoder takes it.
 *
 * <p>Only a final {@link BinaryWebSocketFrame} whose payload is held by nobody else (reference count 1, writable,
 * one memory region) is encoded here, if it is larger than {@link #MIN_PAYLOAD} bytes; every other frame (close,
 * ping, small frames, shared buffers) goes on to Netty's encoder unchanged. A final binary frame larger than
 * {@link Relay#MAX_MESSAGE} (the relay reads up to 256 KiB) is sent as several binary messages of at most that size,
 * so that the gateway's {@code tunnel.max-frame-bytes} need not exceed 64 KiB. Sits after Netty's encoder in the
 * pipeline, so that it sees outbound frames first.
 */
public final class InPlaceMaskingEncoder extends ChannelOutboundHandlerAdapter {
    /** Below this many bytes a copy costs less than a second buffer in the write. */
    static final int MIN_PAYLOAD = 1024;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof BinaryWebSocketFrame frame) || !frame.isFinalFragment() || frame.rsv() != 0) {
            ctx.write(msg, promise);
            return;
        }
        ByteBuf data = frame.content();
        int length = data.readableBytes();
        boolean inPlace = length > MIN_PAYLOAD && data.refCnt() == 1 && !data.isReadOnly() && data.nioBufferCount() == 1;
        if (length <= Relay.MAX_MESSAGE) {
            if (inPlace) {
                writeMasked(ctx, data, promise);
            } else {
                ctx.write(msg, promise);
            }
            return;
        }
        // several messages, slices of the one buffer, each masked with a key of its own
        for (int at = 0; at < length; at += Relay.MAX_MESSAGE) {
            int n = Math.min(Relay.MAX_MESSAGE, length - at);
            ByteBuf part = data.retainedSlice(data.readerIndex() + at, n);
            ChannelPromise p = at + n == length ? promise : ctx.voidPromise();
            if (inPlace) {
                writeMasked(ctx, part, p);
            } else {
                ctx.write(new BinaryWebSocketFrame(part), p);
            }
        }
        data.release();
    }

    /** Masks {@code data} where it lies and writes a header before it: one binary message. */
    private static void writeMasked(ChannelHandlerContext ctx, ByteBuf data, ChannelPromise promise) {
        int length = data.readableBytes();
        int mask = ThreadLocalRandom.current().nextInt();
        Masking.xor(data, data.readerIndex(), length, mask);
        ByteBuf header = ctx.alloc().buffer(length < 126 ? 6 : length <= 0xFFFF ? 8 : 14);
        header.writeByte(0x80 | 0x2); // FIN, opcode binary
        if (length < 126) { // the last part of a split message may be this short
            header.writeByte(0x80 | length); // masked, 7-bit length
        } else if (length <= 0xFFFF) {
            header.writeByte(0x80 | 126); // masked, 16-bit length
            header.writeShort(length);
        } else {
            header.writeByte(0x80 | 127); // masked, 64-bit length
            header.writeLong(length);
        }
        header.writeInt(mask);
        // a failed header write fails the payload's write too, which the promise reports
        ctx.write(header, ctx.voidPromise());
        ctx.write(data, promise); // the frame's reference passes to the payload's write
    }
}
