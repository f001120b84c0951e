package dev.ferry.bench.peers;

import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * What a {@link PeerSession} reports while it reads its peer's frames. Called on the connection's event loop.
 */
public interface PeerSink {
    /** Writes a frame (a reply, a handshake step); the sink takes ownership and flushes it. */
    void send(WebSocketFrame frame);

    /** The peer acknowledged the connection: it may publish (or call) from now on. */
    void ready();

    /** The peer acknowledged the subscription asked for at open. */
    void subscribed();

    /** One payload arrived (a delivery, or the answer to a call) with its intended send time. */
    void delivery(long intendedNanos);

    /** The peer reported an error, or sent something the codec cannot read. */
    void error(String what);
}
