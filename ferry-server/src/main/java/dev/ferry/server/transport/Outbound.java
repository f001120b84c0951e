package dev.ferry.server.transport;

import dev.ferry.protocol.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;

/**
 * Where a session's frames go: a bounded, ordered queue in front of the socket. All methods are called on
 * {@link #executor()}.
 */
public interface Outbound {
    EventExecutor executor();

    /** Encodes and queues one frame. */
    void send(Frame frame);

    /** Queues an already encoded frame; takes ownership of {@code encoded}. */
    void send(ByteBuf encoded, boolean binary);

    /**
     * As {@link #send(ByteBuf, boolean)}, and runs {@code written} on {@link #executor()} once the frame has been
     * written to the connection (not when it is dropped); the default runs it as soon as the frame is queued.
     */
    default void send(ByteBuf encoded, boolean binary, Runnable written) {
        send(encoded, binary);
        written.run();
    }

    /**
     * Queues a publication of a lossy topic: when the queue is already full it is dropped (and counted) instead of
     * closing the connection. Takes ownership of {@code encoded}.
     */
    default void sendDroppable(ByteBuf encoded, boolean binary) {
        send(encoded, binary);
    }

    /**
     * Whether this outbound writes WebSocket frames, and so takes a publication already framed by
     * {@link dev.ferry.server.transport.WebSocketFraming} ({@link #sendFramed}).
     */
    default boolean framesWebSocket() {
        return false;
    }

    /**
     * Queues a complete WebSocket frame of {@code payloadBytes} payload bytes, as {@link #send(ByteBuf, boolean,
     * Runnable)} does ({@code written} may be null). Only when {@link #framesWebSocket()}. Takes ownership of one
     * reference to {@code framed}, which may be shared with other connections of the loop: its indices are never
     * moved (a frame written as it is goes out as a {@link ByteBuf#duplicate() view}).
     */
    default void sendFramed(ByteBuf framed, int payloadBytes, Runnable written) {
        throw new UnsupportedOperationException("not a WebSocket outbound");
    }

    /**
     * The publication's encoding under {@code plainKey} ({@code payload}), compressed and framed for this
     * connection's permessage-deflate, shared with the loop's other connections that negotiated it (not retained
     * for the caller), for {@link #sendFramed}; null when the connection does not compress it (no extension, or
     * below the threshold).
     */
    default ByteBuf deflated(SharedEncodings d, Object plainKey, ByteBuf payload, boolean binary) {
        return null;
    }

    /** Queues a close with this WebSocket status behind the frames already queued; later sends are dropped. */
    void close(int code, String reason);

    /** The transport's name in the server API ({@link dev.ferry.server.connection.Transport#kind()}). */
    default String kind() {
        return "ws";
    }

    /** Bytes waiting in this queue, not yet handed to the socket. */
    default long queuedBytes() {
        return 0;
    }
}
