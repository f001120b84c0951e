package dev.ferry.server.transport;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * Heap buffers kept per thread (in practice per event loop) and reused from one message to the next, so that
 * reading a text message and writing a frame make no garbage of their own: a call through Ferry used to allocate
 * a copy of the message it read, an encoder array, a trimmed copy of it and a heap buffer wrapping that.
 *
 * <p>A buffer grown past {@link #KEPT_BYTES} for a large message is dropped after use, so that a thread holds at
 * most a few tens of KiB whatever its connections once sent.
 */
public final class ThreadBuffers {
    /** The largest buffer of each kind a thread keeps between messages. */
    static final int KEPT_BYTES = 64 * 1024;
    private static final int INITIAL_BYTES = 512;

    private static final FastThreadLocal<ThreadBuffers> CURRENT = new FastThreadLocal<>() {
        @Override
        protected ThreadBuffers initialValue() {
            return new ThreadBuffers();
        }
    };

    private FrameCodec.Writer writer = new FrameCodec.Writer();
    /** The array for reading messages; null while one is being read on this thread (see {@link #read}). */
    private byte[] inbound = new byte[INITIAL_BYTES];

    private ThreadBuffers() {
    }

    /**
     * Receives a text message's bytes: {@code len} bytes of {@code buf} from {@code off}, valid only during the
     * call. A connection's session implements it, so that handing it a message allocates nothing.
     */
    @FunctionalInterface
    public interface TextReader {
        void onText(byte[] buf, int off, int len);
    }

    /**
     * Hands {@code content}'s readable bytes to {@code reader} as an array without allocating one: the buffer's own
     * array when it has one, else a copy in this thread's array. A message read while another is being read on the
     * same thread (a handler that feeds another connection synchronously) gets an array of its own.
     */
    public static void read(ByteBuf content, TextReader reader) {
        int n = content.readableBytes();
        if (content.hasArray()) {
            reader.onText(content.array(), content.arrayOffset() + content.readerIndex(), n);
            return;
        }
        ThreadBuffers buffers = CURRENT.get();
        byte[] buf = buffers.inbound;
        buffers.inbound = null;
        if (buf == null || buf.length < n) {
            buf = new byte[Math.max(n, INITIAL_BYTES)];
        }
        content.getBytes(content.readerIndex(), buf, 0, n);
        try {
            reader.onText(buf, 0, n);
        } finally {
            if (buf.length <= KEPT_BYTES) {
                buffers.inbound = buf;
            } else if (buffers.inbound == null) {
                buffers.inbound = new byte[INITIAL_BYTES];
            }
        }
    }

    /**
     * {@code frame} encoded and framed as one unmasked WebSocket message in a new buffer from {@code alloc}: the
     * encoding goes through this thread's writer, and the only allocation is the buffer returned.
     */
    public static ByteBuf framed(Frame frame, ByteBufAllocator alloc) {
        ThreadBuffers buffers = CURRENT.get();
        FrameCodec.Writer w = FrameCodec.encode(frame, buffers.writer);
        ByteBuf out = WebSocketFraming.header(alloc, w.length(), FrameCodec.isBinary(frame));
        out.writeBytes(w.array(), 0, w.length());
        if (w.capacity() > KEPT_BYTES) {
            buffers.writer = new FrameCodec.Writer();
        }
        return out;
    }
}
