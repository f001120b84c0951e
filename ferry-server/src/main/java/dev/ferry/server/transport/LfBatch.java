package dev.ferry.server.transport;

import dev.ferry.protocol.FrameCodec;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;

/**
 * Text publications framed for one event loop ({@link WebSocketFraming}) on their way to one connection, to be
 * written as one WebSocket message: the only one as it was framed, or all of them as one text message whose
 * payload is theirs joined by LF (docs/protocol.md §2): one header, one write, one message for the client to read
 * instead of many.
 *
 * <p>Bounded by {@link #MAX_FRAMES} publications and {@link #MAX_PAYLOAD_BYTES} payload bytes; {@link #full()}
 * says when to start another. Holds one reference to each frame added, given back by {@link #take} or
 * {@link #release}.
 *
 * <p>Not thread-safe: one connection's, used on its event loop.
 */
final class LfBatch {
    /** A batch holds at most this many publications... */
    static final int MAX_FRAMES = 256;
    /** ...or this many payload bytes (the last one added may go past it). */
    static final int MAX_PAYLOAD_BYTES = 64 * 1024;

    /** The first (often the only) publication. */
    private ByteBuf first;
    /** The others, in order; null until a batch first holds two. */
    private ArrayList<ByteBuf> rest;
    private int payloadBytes;
    private int framedBytes;

    boolean isEmpty() {
        return first == null;
    }

    int size() {
        return first == null ? 0 : 1 + (rest == null ? 0 : rest.size());
    }

    /** The bytes of the frames held, headers included (what a queue counts). */
    int framedBytes() {
        return framedBytes;
    }

    boolean full() {
        return size() >= MAX_FRAMES || payloadBytes >= MAX_PAYLOAD_BYTES;
    }

    /**
     * Takes ownership of one reference to {@code framed}, an unfragmented text frame whose payload is
     * {@code payloadBytes} long; its indices are never moved (other connections may share it).
     */
    void add(ByteBuf framed, int payloadBytes) {
        if (first == null) {
            first = framed;
        } else {
            if (rest == null) {
                rest = new ArrayList<>(8);
            }
            rest.add(framed);
        }
        this.payloadBytes += payloadBytes;
        this.framedBytes += framed.readableBytes();
    }

    /**
     * The batch as one WebSocket message, ready for the socket (past the frame encoder); the batch is empty
     * afterwards and its frames released (or, for a batch of one, handed over as a view, which holds its
     * reference).
     */
    ByteBuf take() {
        ByteBuf only = first;
        first = null;
        int payload = payloadBytes;
        payloadBytes = 0;
        framedBytes = 0;
        if (rest == null || rest.isEmpty()) {
            return only.duplicate(); // a view: the frame may be shared by the loop's connections
        }
        int length = payload + rest.size();
        // From the frames' own allocator: copying between buffers of one kind is a plain memory copy, where a copy
        // from a pooled buffer into one of the channel's adaptive allocator went through a new NIO view per frame
        // (most of what the server allocated per delivery at high fan-out rates).
        ByteBuf out = WebSocketFraming.header(only.alloc(), length, false);
        appendPayload(out, only);
        for (int i = 0; i < rest.size(); i++) {
            out.writeByte(FrameCodec.LF);
            appendPayload(out, rest.get(i));
        }
        rest.clear();
        return out;
    }

    /** Releases what the batch holds; it is empty afterwards. */
    void release() {
        if (first != null) {
            first.release();
            first = null;
        }
        if (rest != null) {
            rest.forEach(ByteBuf::release);
            rest.clear();
        }
        payloadBytes = 0;
        framedBytes = 0;
    }

    /** Copies a framed publication's payload (what follows its header) into {@code out}, and releases it. */
    private static void appendPayload(ByteBuf out, ByteBuf framed) {
        try {
            int header = WebSocketFraming.headerLength(framed);
            out.writeBytes(framed, framed.readerIndex() + header, framed.readableBytes() - header);
        } finally {
            framed.release();
        }
    }
}
