package dev.ferry.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtension;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionDecoder;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * permessage-deflate for what one client sends: a message whose first frame has RSV1 set is inflated, frame by
 * frame, and passed on with RSV1 clear; other frames pass through. Bounded by the inflated size: a message that
 * inflates beyond {@code websocket.max-message-bytes} is refused as soon as its output reaches the limit (a
 * "zip bomb" costs at most that much memory), with close 1009; data that does not inflate closes with 1007.
 * RFC 7692 §6: RSV1 on a continuation or control frame, or RSV2/RSV3 anywhere, is a protocol error (1002).
 *
 * <p>The inflater is the connection's own, made at its first compressed message and kept, since a client may
 * compress with context takeover; it is ended when the channel closes. Event loop only.
 */
final class InflateFrameDecoder extends WebSocketExtensionDecoder {
    /** RFC 7692 §7.2.2: appended to a message's data before inflating it. */
    private static final byte[] TAIL = {0x00, 0x00, (byte) 0xff, (byte) 0xff};

    private final int maxMessageBytes;

    // ---- event loop only
    private Inflater inflater;
    /** A compressed message is being read: its continuation frames are inflated too. */
    private boolean inflating;
    /** Bytes the current compressed message has inflated to so far. */
    private long inflatedBytes;
    /** A message was refused: the connection is closing, and data frames are dropped unread. */
    private boolean refused;

    InflateFrameDecoder(int maxMessageBytes) {
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
        boolean data = frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame
                || frame instanceof ContinuationWebSocketFrame;
        int rsv = frame.rsv();
        if (!data) {
            if (rsv != 0) {
                throw protocolError("reserved bits set on a control frame");
            }
            out.add(frame.retain());
            return;
        }
        if (refused) {
            return; // dropped (the decoder releases it)
        }
        if (frame instanceof ContinuationWebSocketFrame) {
            if (rsv != 0) {
                throw refuse(protocolError("reserved bits set on a continuation frame"));
            }
        } else {
            if ((rsv & ~WebSocketExtension.RSV1) != 0) {
                throw refuse(protocolError("RSV2 or RSV3 set: no extension uses them"));
            }
            inflating = rsv != 0;
            inflatedBytes = 0;
        }
        if (!inflating) {
            out.add(frame.retain());
            return;
        }
        ByteBuf inflated = inflate(ctx, frame.content(), frame.isFinalFragment());
        boolean fin = frame.isFinalFragment();
        if (fin) {
            inflating = false;
        }
        out.add(frame instanceof TextWebSocketFrame ? new TextWebSocketFrame(fin, 0, inflated)
                : frame instanceof BinaryWebSocketFrame ? new BinaryWebSocketFrame(fin, 0, inflated)
                : new ContinuationWebSocketFrame(fin, 0, inflated));
    }

    private ByteBuf inflate(ChannelHandlerContext ctx, ByteBuf in, boolean last) {
        if (inflater == null) {
            inflater = new Inflater(true);
        }
        long room = maxMessageBytes - inflatedBytes;
        ByteBuf out = ctx.alloc().heapBuffer((int) Math.min(room + 1, Math.max(256L, in.readableBytes() * 4L)));
        try {
            inflater.setInput(in.nioBuffer());
            drain(out, room);
            if (last) {
                inflater.setInput(TAIL);
                drain(out, room);
                if (inflater.finished()) {
                    inflater.reset(); // the client ended its stream (BFINAL); the next message starts a new one
                }
            }
            inflatedBytes += out.readableBytes();
            ByteBuf done = out;
            out = null;
            return done;
        } catch (DataFormatException e) {
            throw refuse(new CorruptedWebSocketFrameException(WebSocketCloseStatus.INVALID_PAYLOAD_DATA,
                    "compressed message does not inflate"));
        } finally {
            if (out != null) {
                out.release();
            }
        }
    }

    /** Inflates what the inflater holds into {@code out}, refusing output beyond {@code room} bytes. */
    private void drain(ByteBuf out, long room) throws DataFormatException {
        for (;;) {
            if (out.writerIndex() > room) {
                throw refuse(new CorruptedWebSocketFrameException(WebSocketCloseStatus.MESSAGE_TOO_BIG,
                        "message inflates beyond " + maxMessageBytes + " bytes"));
            }
            if (!out.isWritable()) {
                out.ensureWritable((int) Math.min(Math.max(out.capacity(), 256), room + 1 - out.writerIndex()));
            }
            int n = inflater.inflate(out.array(), out.arrayOffset() + out.writerIndex(), out.writableBytes());
            out.writerIndex(out.writerIndex() + n);
            if (n == 0) {
                if (inflater.needsInput() || inflater.finished()) {
                    return;
                }
                if (inflater.needsDictionary()) {
                    throw new DataFormatException("preset dictionary");
                }
            }
        }
    }

    private static CorruptedWebSocketFrameException protocolError(String why) {
        return new CorruptedWebSocketFrameException(WebSocketCloseStatus.PROTOCOL_ERROR, why);
    }

    private CorruptedWebSocketFrameException refuse(CorruptedWebSocketFrameException e) {
        refused = true;
        inflating = false;
        end();
        return e;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
        end();
        super.handlerRemoved(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        end();
        super.channelInactive(ctx);
    }

    private void end() {
        if (inflater != null) {
            inflater.end();
            inflater = null;
        }
    }
}
