package dev.ferry.bench.peers;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * One connection's side of a peer protocol. Lifecycle: {@link #open} once the WebSocket upgrade completes, then
 * {@link #read} for every message and {@link #publish} / {@link #heartbeat} whenever the load generator wants,
 * then {@link #close} exactly once. Confined to the connection's event loop.
 */
public interface PeerSession {
    /**
     * Starts the peer's handshake through {@code sink}; with a {@code topic} (already in the peer's spelling),
     * subscribes to it as soon as the peer allows. Reports {@link PeerSink#ready()} and {@link
     * PeerSink#subscribed()} when the peer acknowledged them (at once when the protocol has no acknowledgement).
     */
    void open(ByteBufAllocator alloc, String topic, PeerSink sink);

    /** The frame publishing the payload stamped {@code intendedNanos} to {@code topic}; the caller owns it. */
    WebSocketFrame publish(ByteBufAllocator alloc, String topic, long intendedNanos);

    /** Reads one whole WebSocket message (text or binary); does not release it. */
    void read(WebSocketFrame frame, PeerSink sink);

    /** The client heartbeat frame, or {@code null} when the protocol has none. */
    default WebSocketFrame heartbeat(ByteBufAllocator alloc) {
        return null;
    }

    /** Frees what the session holds; called once when the connection closes. */
    default void close() {
    }
}
