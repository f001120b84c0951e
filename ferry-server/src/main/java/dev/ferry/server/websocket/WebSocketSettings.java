package dev.ferry.server.websocket;

import dev.ferry.server.config.WebSocketConfig;
import dev.ferry.server.transport.PerMessageDeflate;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;

/**
 * The WebSocket settings of one server, from its {@code websocket.*} configuration, built once when the server is
 * made instead of at every upgrade: the decoder's, shared by every endpoint, and the whole protocol settings of
 * ferry.v1, the same for every connection. No UTF-8 validator in the pipeline: the endpoints check a whole text
 * message once the aggregator has made it ({@link WebSocketUpgrade#validText}), which costs no handler and no
 * state per connection. Thread-safe: a reload ({@link #reload}) swaps them whole for the upgrades that follow.
 */
public final class WebSocketSettings {
    /** The settings built from one {@code websocket.*} configuration. */
    private record Built(WebSocketConfig ws, WebSocketDecoderConfig decoder, WebSocketServerProtocolConfig ferry,
                         PerMessageDeflate deflate) {
    }

    private volatile Built built;

    public WebSocketSettings(WebSocketConfig ws) {
        this.built = build(ws);
    }

    /**
     * A reload: the WebSocket upgrades from now on take {@code ws}'s settings (a connection already upgraded keeps
     * the decoder and aggregator it was made with).
     */
    public void reload(WebSocketConfig ws) {
        this.built = build(ws);
    }

    private static Built build(WebSocketConfig ws) {
        WebSocketDecoderConfig decoder = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(ws.maxMessageBytes())
                .allowExtensions(ws.deflate().enabled()) // RSV1 marks a compressed message
                .closeOnProtocolViolation(false)
                .withUTF8Validator(false)
                .build();
        return new Built(ws, decoder, build(ws, decoder, WebSocketUpgrade.PATH, WebSocketUpgrade.SUBPROTOCOL),
                ws.deflate().enabled() ? new PerMessageDeflate(ws.deflate(), ws.maxMessageBytes()) : null);
    }

    /** The largest message of the upgrades from now on ({@code websocket.max-message-bytes}). */
    public int maxMessageBytes() {
        return built.ws().maxMessageBytes();
    }

    /** permessage-deflate as configured; null when {@code websocket.deflate} is off. */
    public PerMessageDeflate deflate() {
        return built.deflate();
    }

    /** The protocol settings of an endpoint at {@code path} that offers {@code subprotocol} (null: none). */
    WebSocketServerProtocolConfig protocol(String path, String subprotocol) {
        Built b = built;
        return WebSocketUpgrade.PATH.equals(path) && WebSocketUpgrade.SUBPROTOCOL.equals(subprotocol) ? b.ferry()
                : build(b.ws(), b.decoder(), path, subprotocol);
    }

    private static WebSocketServerProtocolConfig build(WebSocketConfig ws, WebSocketDecoderConfig decoder, String path,
                                                       String subprotocol) {
        return WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(path)
                .checkStartsWith(true)
                .subprotocols(subprotocol)
                .handshakeTimeoutMillis(ws.handshakeTimeout().toMillis())
                .handleCloseFrames(true)
                .dropPongFrames(false) // a pong is input: the session handler counts it for liveness, then drops it
                .decoderConfig(decoder)
                .build();
    }
}
