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
 * state per connection. Immutable.
 */
public final class WebSocketSettings {
    private final WebSocketConfig ws;
    private final WebSocketDecoderConfig decoder;
    private final WebSocketServerProtocolConfig ferry;
    /** permessage-deflate; null when {@code websocket.deflate} is off. */
    private final PerMessageDeflate deflate;

    public WebSocketSettings(WebSocketConfig ws) {
        this.ws = ws;
        this.decoder = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(ws.maxMessageBytes())
                .allowExtensions(ws.deflate().enabled()) // RSV1 marks a compressed message
                .closeOnProtocolViolation(false)
                .withUTF8Validator(false)
                .build();
        this.ferry = build(WebSocketUpgrade.PATH, WebSocketUpgrade.SUBPROTOCOL);
        this.deflate = ws.deflate().enabled() ? new PerMessageDeflate(ws.deflate(), ws.maxMessageBytes()) : null;
    }

    /** permessage-deflate as configured; null when {@code websocket.deflate} is off. */
    public PerMessageDeflate deflate() {
        return deflate;
    }

    /** The protocol settings of an endpoint at {@code path} that offers {@code subprotocol} (null: none). */
    WebSocketServerProtocolConfig protocol(String path, String subprotocol) {
        return WebSocketUpgrade.PATH.equals(path) && WebSocketUpgrade.SUBPROTOCOL.equals(subprotocol) ? ferry
                : build(path, subprotocol);
    }

    private WebSocketServerProtocolConfig build(String path, String subprotocol) {
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
