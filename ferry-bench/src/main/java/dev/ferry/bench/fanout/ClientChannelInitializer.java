package dev.ferry.bench.fanout;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.net.URI;
import java.util.function.Supplier;

/**
 * The pipeline of a bench connection: HTTP for the upgrade, then WebSocket (subprotocol {@code ferry.v1} unless
 * told otherwise), whole messages (fragments reassembled), then the application handler. It only builds the
 * pipeline.
 */
public final class ClientChannelInitializer extends ChannelInitializer<SocketChannel> {
    public static final String SUBPROTOCOL = "ferry.v1";
    private static final int MAX_MESSAGE_BYTES = 16 << 20;

    private WebSocketClientProtocolConfig config;
    private final Supplier<ChannelHandler> application;
    private boolean deflate;

    public ClientChannelInitializer(URI url, Supplier<ChannelHandler> application) {
        this(url, SUBPROTOCOL, application);
    }

    /** A pipeline asking for {@code subprotocol} ({@code null}: none) on the upgrade to {@code url}. */
    public ClientChannelInitializer(URI url, String subprotocol, Supplier<ChannelHandler> application) {
        this.config = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(url)
                .subprotocol(subprotocol)
                .version(WebSocketVersion.V13)
                .maxFramePayloadLength(MAX_MESSAGE_BYTES)
                .handshakeTimeoutMillis(30_000)
                // Close frames reach the application handler, which records their status code.
                .handleCloseFrames(false)
                // A load generator does not check that text messages are UTF-8: it would spend most of its CPU there
                // for the peers that send text (Ferry, Node ws, Socket.IO, STOMP, SockJS) and none for those that
                // send binary (NATS, MQTT), and so measure itself rather than the peer. The codecs parse what they
                // need from the bytes.
                .withUTF8Validator(false)
                .build();
        this.application = application;
    }

    /** This pipeline, offering permessage-deflate (RFC 7692) at the upgrade. */
    public ClientChannelInitializer withDeflate() {
        deflate = true;
        config = config.toBuilder().allowExtensions(true).build(); // RSV1 marks a compressed message
        return this;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ch.pipeline()
                .addLast(ClientHandlerNames.HTTP_CODEC, new HttpClientCodec())
                .addLast(ClientHandlerNames.HTTP_AGGREGATOR, new HttpObjectAggregator(64 * 1024));
        if (deflate) {
            ch.pipeline().addLast(ClientHandlerNames.DEFLATE,
                    new io.netty.handler.codec.http.websocketx.extensions.compression.WebSocketClientCompressionHandler(
                            MAX_MESSAGE_BYTES));
        }
        ch.pipeline()
                .addLast(ClientHandlerNames.WEBSOCKET, new WebSocketClientProtocolHandler(config))
                .addLast(ClientHandlerNames.WEBSOCKET_AGGREGATOR, new WebSocketFrameAggregator(MAX_MESSAGE_BYTES))
                .addLast(ClientHandlerNames.APPLICATION, application.get());
    }

    /**
     * Reads a user event of the pipeline built here: true when the WebSocket handshake has completed; a handshake
     * timeout completes {@code failOnTimeout} exceptionally (and gives false), as does any other event.
     */
    public static boolean handshakeCompleted(Object evt, java.util.concurrent.CompletableFuture<?> failOnTimeout) {
        if (evt == io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            failOnTimeout.completeExceptionally(new java.io.IOException("WebSocket handshake timed out"));
        }
        return evt == io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE;
    }
}
