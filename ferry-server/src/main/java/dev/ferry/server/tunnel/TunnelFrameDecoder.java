package dev.ferry.server.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

/**
 * Decodes a tunnel's WebSocket frames (RFC 6455) without copying their payload, in place of Netty's frame decoder
 * (which copies every payload into a new buffer, and first gathers a frame that straddles two reads in a buffer of
 * its own). A tunnel's bytes are a stream whose message boundaries mean nothing, so a data frame's payload is passed
 * on as it arrives: each read yields, per frame it holds part of, a slice of the read buffer itself (unmasked where
 * it lies when the peer masks). Only a header (at most 14 bytes) or a control frame's payload (at most 125) that
 * straddles reads is gathered.
 *
 * <p>What it passes on: a data frame as one or more chunks, the first a {@link BinaryWebSocketFrame} (or
 * {@link TextWebSocketFrame}, or a {@link ContinuationWebSocketFrame} for a frame of opcode 0), the rest
 * {@link ContinuationWebSocketFrame}s; the last chunk of a final frame is marked final. Control frames whole. A frame
 * breaking the RFC (reserved bits or opcodes, masking other than expected, lengths not in their shortest form,
 * fragmented or oversized control frames, continuation out of place, a bad close code or reason) or longer than the
 * limit fires a {@link CorruptedWebSocketFrameException} with the close status (1002, 1007, or 1009 for the limit),
 * as Netty's decoder does, and everything read after it is dropped.
 *
 * <p>Unmasking in place writes into the read buffer: a buffer that is read-only or held by someone else too is
 * copied first. Event-loop confined; one per channel.
 */
public final class TunnelFrameDecoder extends ChannelInboundHandlerAdapter implements WebSocketFrameDecoder {
    private enum State { HEADER, DATA, CONTROL, CORRUPT }

    private static final int OPCODE_CONTINUATION = 0;
    private static final int OPCODE_TEXT = 1;
    private static final int OPCODE_BINARY = 2;
    private static final int OPCODE_CLOSE = 8;
    private static final int OPCODE_PING = 9;
    private static final int OPCODE_PONG = 10;

    private final boolean expectMasked;
    private final long maxPayload;

    private State state = State.HEADER;
    /** The header being gathered: 2 bytes, up to 8 of extended length, 4 of mask key. */
    private final byte[] header = new byte[14];
    private int headerHave;
    /** A data message (fragmented) has begun and its final frame has not come. */
    private boolean inMessage;
    // the current frame
    private boolean fin;
    private int opcode;
    private int maskKey;
    private boolean masked;
    private long remaining;
    private long offset;
    /** The payload of the control frame being gathered. */
    private ByteBuf control;

    /**
     * A decoder for frames that must be masked ({@code expectMasked}: a gateway reading a client) or must not be (a
     * client reading a gateway), of at most {@code maxPayload} bytes each.
     */
    public TunnelFrameDecoder(boolean expectMasked, long maxPayload) {
        this.expectMasked = expectMasked;
        this.maxPayload = maxPayload;
    }

    /**
     * Puts a decoder in place of the pipeline's WebSocket frame decoder (Netty's, which the handshake added). Call
     * once the handshake is complete and before any frame has been read, which holds in the event that announces the
     * completion: the first read after the handshake comes later.
     */
    public static void replace(ChannelPipeline pipeline, boolean expectMasked, long maxPayload) {
        for (var e : pipeline) {
            ChannelHandler h = e.getValue();
            if (h instanceof WebSocketFrameDecoder && !(h instanceof TunnelFrameDecoder)) {
                pipeline.replace(h, e.getKey(), new TunnelFrameDecoder(expectMasked, maxPayload));
                return;
            }
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            boolean ownBuffer = in.refCnt() == 1 && !in.isReadOnly(); // before the slices below share it
            while (in.isReadable()) {
                switch (state) {
                    case HEADER -> readHeader(ctx, in);
                    case DATA -> readData(ctx, in, ownBuffer);
                    case CONTROL -> readControl(ctx, in);
                    case CORRUPT -> in.skipBytes(in.readableBytes());
                }
            }
        } finally {
            in.release();
        }
    }

    private void readHeader(ChannelHandlerContext ctx, ByteBuf in) {
        if (headerHave < 2 && !gather(in, 2)) {
            return;
        }
        int len7 = header[1] & 0x7F;
        int need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((header[1] & 0x80) != 0 ? 4 : 0);
        if (!gather(in, need)) {
            return;
        }
        headerHave = 0;
        int b0 = header[0];
        fin = (b0 & 0x80) != 0;
        int rsv = (b0 & 0x70) >> 4;
        opcode = b0 & 0x0F;
        masked = (header[1] & 0x80) != 0;
        long length;
        int at = 2;
        if (len7 == 126) {
            length = (header[2] & 0xFF) << 8 | header[3] & 0xFF;
            at = 4;
            if (length < 126) {
                violation(ctx, WebSocketCloseStatus.PROTOCOL_ERROR, "invalid data frame length (not using minimal length encoding)");
                return;
            }
        } else if (len7 == 127) {
            length = 0;
            for (int i = 2; i < 10; i++) {
                length = length << 8 | header[i] & 0xFF;
            }
            at = 10;
            if (length < 0) {
                violation(ctx, WebSocketCloseStatus.MESSAGE_TOO_BIG, "Max frame length of " + maxPayload + " has been exceeded.");
                return;
            }
            if (length < 65536) {
                violation(ctx, WebSocketCloseStatus.PROTOCOL_ERROR, "invalid data frame length (not using minimal length encoding)");
                return;
            }
        } else {
            length = len7;
        }
        if (masked) {
            maskKey = (header[at] & 0xFF) << 24 | (header[at + 1] & 0xFF) << 16 | (header[at + 2] & 0xFF) << 8 | header[at + 3] & 0xFF;
        }
        if (rsv != 0) {
            violation(ctx, WebSocketCloseStatus.PROTOCOL_ERROR, "RSV != 0 and no extension negotiated, RSV:" + rsv);
            return;
        }
        if (masked != expectMasked) {
            violation(ctx, WebSocketCloseStatus.PROTOCOL_ERROR, expectMasked ? "received a frame that is not masked as expected"
                    : "received a masked frame from the server");
            return;
        }
        if (opcode > 7) {
            if (!fin) {
                violation(ctx, WebSocketCloseStatus.PROTOCOL_ERROR, "fragmented control frame");
                return;
            }
            if (length > 125) {
                violation(ctx, WebSocketCloseStatus.PROTOCOL_ERROR, "control frame with payload length > 125 octets");
                return;
            }
            if (opcode != OPCODE_CLOSE && opcode != OPCODE_PING && opcode != OPCODE_PONG) {
                violation(ctx, WebSocketCloseStatus.PROTOCOL_ERROR, "control frame using reserved opcode " + opcode);
                return;
            }
            if (opcode == OPCODE_CLOSE && length == 1) {
                violation(ctx, WebSocketCloseStatus.PROTOCOL_ERROR, "received close control frame with payload len 1");
                return;
            }
        } else {
            if (opcode != OPCODE_CONTINUATION && opcode != OPCODE_TEXT && opcode != OPCODE_BINARY) {
                violation(ctx, WebSocketCloseStatus.PROTOCOL_ERROR, "data frame using reserved opcode " + opcode);
                return;
            }
            if (opcode == OPCODE_CONTINUATION && !inMessage) {
                violation(ctx, WebSocketCloseStatus.PROTOCOL_ERROR, "received continuation data frame outside fragmented message");
                return;
            }
            if (opcode != OPCODE_CONTINUATION && inMessage) {
                violation(ctx, WebSocketCloseStatus.PROTOCOL_ERROR, "received non-continuation data frame while inside fragmented message");
                return;
            }
        }
        if (length > maxPayload) {
            violation(ctx, WebSocketCloseStatus.MESSAGE_TOO_BIG, "Max frame length of " + maxPayload + " has been exceeded.");
            return;
        }
        remaining = length;
        offset = 0;
        if (opcode > 7) {
            state = State.CONTROL;
            control = ctx.alloc().heapBuffer((int) length);
            if (length == 0) {
                controlDone(ctx);
            }
            return;
        }
        inMessage = !fin;
        state = State.DATA;
        if (length == 0) { // nothing to carry, but a text frame is still a text frame
            state = State.HEADER;
            ctx.fireChannelRead(frame(io.netty.buffer.Unpooled.EMPTY_BUFFER, true));
        }
    }

    /** Copies header bytes from {@code in} until {@code need} are there; whether they are. */
    private boolean gather(ByteBuf in, int need) {
        int n = Math.min(need - headerHave, in.readableBytes());
        in.readBytes(header, headerHave, n);
        headerHave += n;
        return headerHave == need;
    }

    private void readData(ChannelHandlerContext ctx, ByteBuf in, boolean ownBuffer) {
        int n = (int) Math.min(remaining, in.readableBytes());
        ByteBuf chunk;
        if (!masked) {
            chunk = in.readRetainedSlice(n);
        } else {
            if (ownBuffer) {
                chunk = in.readRetainedSlice(n);
            } else {
                chunk = ctx.alloc().buffer(n);
                in.readBytes(chunk, n);
            }
            Masking.xor(chunk, chunk.readerIndex(), n, Masking.keyAt(maskKey, offset));
        }
        boolean first = offset == 0;
        offset += n;
        remaining -= n;
        boolean last = remaining == 0;
        if (last) {
            state = State.HEADER;
        }
        ctx.fireChannelRead(first ? frame(chunk, last) : new ContinuationWebSocketFrame(fin && last, 0, chunk));
    }

    /** The first chunk of a data frame, of the frame's kind. */
    private WebSocketFrame frame(ByteBuf chunk, boolean last) {
        boolean isFinal = fin && last;
        return switch (opcode) {
            case OPCODE_BINARY -> new BinaryWebSocketFrame(isFinal, 0, chunk);
            case OPCODE_TEXT -> new TextWebSocketFrame(isFinal, 0, chunk);
            default -> new ContinuationWebSocketFrame(isFinal, 0, chunk);
        };
    }

    private void readControl(ChannelHandlerContext ctx, ByteBuf in) {
        int n = (int) Math.min(remaining, in.readableBytes());
        control.writeBytes(in, n);
        remaining -= n;
        if (remaining == 0) {
            controlDone(ctx);
        }
    }

    private void controlDone(ChannelHandlerContext ctx) {
        ByteBuf payload = control;
        control = null;
        state = State.HEADER;
        if (masked) {
            Masking.xor(payload, payload.readerIndex(), payload.readableBytes(), maskKey);
        }
        switch (opcode) {
            case OPCODE_PING -> ctx.fireChannelRead(new PingWebSocketFrame(payload));
            case OPCODE_PONG -> ctx.fireChannelRead(new PongWebSocketFrame(payload));
            default -> {
                String refusal = closeRefusal(payload);
                if (refusal != null) {
                    payload.release();
                    violation(ctx, refusal.startsWith("invalid UTF-8") ? WebSocketCloseStatus.INVALID_PAYLOAD_DATA
                            : WebSocketCloseStatus.PROTOCOL_ERROR, refusal);
                    return;
                }
                ctx.fireChannelRead(new CloseWebSocketFrame(true, 0, payload));
            }
        }
    }

    /** Why a close frame's body breaks RFC 6455 §5.5.1 and §7.4 (code, UTF-8 reason), or {@code null}. */
    private static String closeRefusal(ByteBuf body) {
        if (body.readableBytes() < 2) {
            return null;
        }
        int code = body.getUnsignedShort(body.readerIndex());
        if (!WebSocketCloseStatus.isValidStatusCode(code)) {
            return "Invalid close frame getStatus code: " + code;
        }
        try {
            StandardCharsets.UTF_8.newDecoder().decode(body.nioBuffer(body.readerIndex() + 2, body.readableBytes() - 2));
        } catch (CharacterCodingException e) {
            return "invalid UTF-8 in the close frame's reason";
        }
        return null;
    }

    private void violation(ChannelHandlerContext ctx, WebSocketCloseStatus status, String message) {
        state = State.CORRUPT;
        ctx.fireExceptionCaught(new CorruptedWebSocketFrameException(status, message));
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseControl();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        releaseControl();
        super.channelInactive(ctx);
    }

    private void releaseControl() {
        if (control != null) {
            control.release();
            control = null;
        }
    }
}
