package dev.ferry.server.transport;

import dev.ferry.server.config.DeflateConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtension;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionDecoder;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionEncoder;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtension;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandshaker;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.Deflater;

/**
 * permessage-deflate (RFC 7692) on the WebSocket endpoints of one server ({@code websocket.deflate}): the
 * negotiation at the upgrade, and compression of what the server sends.
 *
 * <p>The server always compresses without context takeover: it adds {@code server_no_context_takeover} to its
 * answer whether or not the client asked for it (RFC 7692 §7.1.1.1 allows this). Each message is then a deflate
 * stream of its own, the same bytes for every connection, so a publication is compressed once per event loop for
 * all the connections of the loop that negotiated the extension ({@link #deflated}), as a delivery ({@link SharedEncodings}) keeps
 * its other encodings, and written past the per-connection encoder like any frame made by {@link WebSocketFraming}.
 * Other messages (answers, errors, multiplexer frames) are compressed per connection by {@link DeflateFrameEncoder}.
 * Messages smaller than {@code websocket.deflate-threshold-bytes} go uncompressed (RSV1 clear).
 *
 * <p>An offer asking for {@code server_max_window_bits} is declined (the JDK's deflater has one window size, 15
 * bits); a client offering several alternatives gets the first one without it. Client-to-server compression is
 * inflated per connection by {@link InflateFrameDecoder}, bounded by {@code websocket.max-message-bytes} after
 * inflation.
 *
 * <p>Immutable and shared by the server's connections; compression runs on the calling thread with a deflater of
 * that thread's.
 */
public final class PerMessageDeflate implements WebSocketServerExtensionHandshaker {
    private static final String EXTENSION = "permessage-deflate";
    private static final String SERVER_NO_CONTEXT = "server_no_context_takeover";
    /** The bit RSV1 sets in a frame's first byte: the message is compressed. */
    static final int RSV1_BIT = 0x40;

    private final int thresholdBytes;
    private final int level;
    private final int maxMessageBytes;
    /** Netty's negotiation: reads the offer's parameters and words the answer. */
    private final PerMessageDeflateServerExtensionHandshaker negotiation;
    /** The key of the deflated form of each plain encoding, in a delivery ({@link SharedEncodings}); one per plain key. */
    private final Map<Object, Object> deflatedKeys = new ConcurrentHashMap<>();

    public PerMessageDeflate(DeflateConfig config, int maxMessageBytes) {
        this.thresholdBytes = config.thresholdBytes();
        this.level = config.level();
        this.maxMessageBytes = maxMessageBytes;
        this.negotiation = new PerMessageDeflateServerExtensionHandshaker(config.level(), false,
                PerMessageDeflateServerExtensionHandshaker.MAX_WINDOW_SIZE, true, false, 0);
    }

    /** A new handler that negotiates the extension during one upgrade and installs its encoder and decoder. */
    public ChannelHandler negotiator() {
        return new WebSocketServerExtensionHandler(this);
    }

    /** Whether the connection of {@code pipeline} negotiated the extension (its encoder is installed). */
    public static boolean negotiated(ChannelPipeline pipeline) {
        return pipeline.get(DeflateFrameEncoder.class) != null;
    }

    @Override
    public WebSocketServerExtension handshakeExtension(WebSocketExtensionData offer) {
        if (!EXTENSION.equals(offer.name())) {
            return null;
        }
        Map<String, String> parameters = new HashMap<>(offer.parameters());
        parameters.put(SERVER_NO_CONTEXT, null);
        WebSocketServerExtension agreed = negotiation.handshakeExtension(new WebSocketExtensionData(EXTENSION, parameters));
        if (agreed == null) {
            return null;
        }
        return new WebSocketServerExtension() {
            @Override
            public int rsv() {
                return WebSocketExtension.RSV1;
            }

            @Override
            public WebSocketExtensionEncoder newExtensionEncoder() {
                return new DeflateFrameEncoder(PerMessageDeflate.this);
            }

            @Override
            public WebSocketExtensionDecoder newExtensionDecoder() {
                return new InflateFrameDecoder(maxMessageBytes);
            }

            @Override
            public WebSocketExtensionData newReponseData() {
                return agreed.newReponseData();
            }
        };
    }

    /** Whether a message of {@code payloadBytes} bytes is sent compressed. */
    public boolean compresses(int payloadBytes) {
        return payloadBytes >= thresholdBytes;
    }

    /**
     * The publication's encoding under {@code plainKey} ({@code payload}, which the delivery holds), compressed and
     * framed for every connection of the loop that negotiated the extension: made by the first that asks, shared,
     * not retained for the caller. Null when {@code payload} is below the threshold: it goes uncompressed.
     */
    public ByteBuf deflated(SharedEncodings d, Object plainKey, ByteBuf payload, boolean binary) {
        if (!compresses(payload.readableBytes())) {
            return null;
        }
        return d.shared(deflatedKeys.computeIfAbsent(plainKey, k -> new Object()), () -> frame(payload, binary));
    }

    /**
     * A message framed once for all the connections of the loop ({@code framed}, made by {@link WebSocketFraming}),
     * compressed and framed once for every connection of the loop that negotiated the extension: made by the first
     * that asks, shared under {@code deflatedKey}, not retained for the caller. The key is the caller's, one per
     * plain encoding, so that encodings that come and go (one per WAMP subscription) leave nothing behind here.
     * Null when the payload is below the threshold: {@code framed} goes as it is.
     */
    public ByteBuf deflatedFrame(SharedEncodings d, Object deflatedKey, ByteBuf framed) {
        int header = WebSocketFraming.headerLength(framed);
        int n = framed.readableBytes() - header;
        if (!compresses(n)) {
            return null;
        }
        return d.shared(deflatedKey, () -> frame(framed.slice(framed.readerIndex() + header, n),
                (framed.getByte(framed.readerIndex()) & 0x0F) == 0x2));
    }

    /** A new (pooled) buffer holding {@code payload} compressed as one message, framed with RSV1 set. */
    public ByteBuf frame(ByteBuf payload, boolean binary) {
        Compressor c = COMPRESSOR.get();
        int n = c.deflate(payload, level);
        ByteBuf out = WebSocketFraming.header(PooledByteBufAllocator.DEFAULT, n, binary);
        out.setByte(out.readerIndex(), out.getByte(out.readerIndex()) | RSV1_BIT);
        out.writeBytes(c.out, 0, n);
        c.trim();
        return out;
    }

    /** {@code payload} compressed as one message's payload, in a new buffer of {@code alloc}. */
    ByteBuf compress(ByteBuf payload, ByteBufAllocator alloc) {
        Compressor c = COMPRESSOR.get();
        int n = c.deflate(payload, level);
        ByteBuf out = alloc.buffer(n);
        out.writeBytes(c.out, 0, n);
        c.trim();
        return out;
    }

    /**
     * A text or binary frame made by {@link WebSocketFraming} (or {@link ThreadBuffers#framed}), compressed when its
     * payload reaches the threshold: then a new frame, and {@code framed} is released; otherwise {@code framed}.
     */
    ByteBuf deflateFramed(ByteBuf framed) {
        int header = WebSocketFraming.headerLength(framed);
        int n = framed.readableBytes() - header;
        if (!compresses(n)) {
            return framed;
        }
        boolean binary = (framed.getByte(framed.readerIndex()) & 0x0F) == 0x2;
        try {
            return frame(framed.slice(framed.readerIndex() + header, n), binary);
        } finally {
            framed.release();
        }
    }

    private static final FastThreadLocal<Compressor> COMPRESSOR = new FastThreadLocal<>() {
        @Override
        protected Compressor initialValue() {
            return new Compressor();
        }

        @Override
        protected void onRemoval(Compressor c) {
            c.end();
        }
    };

    /** One thread's deflaters (one per level in use) and output array, reused from message to message. */
    private static final class Compressor {
        private static final int INITIAL_BYTES = 1024;
        /** The largest output array a thread keeps between messages. */
        private static final int KEPT_BYTES = 64 * 1024;
        private final Deflater[] deflaters = new Deflater[10];
        private byte[] out = new byte[INITIAL_BYTES];

        /**
         * Compresses {@code payload}'s readable bytes as one message without context into {@link #out}; returns
         * the length. RFC 7692 §7.2.1: the data is flushed to a byte boundary (SYNC_FLUSH ends it with an empty
         * stored block) and the block's last four octets, 00 00 ff ff, are removed.
         */
        int deflate(ByteBuf payload, int level) {
            Deflater d = deflaters[level];
            if (d == null) {
                d = deflaters[level] = new Deflater(level, true);
            } else {
                d.reset();
            }
            if (payload.nioBufferCount() == 1) {
                d.setInput(payload.nioBuffer());
            } else {
                d.setInput(ByteBufUtil.getBytes(payload));
            }
            int n = 0;
            for (;;) {
                n += d.deflate(out, n, out.length - n, Deflater.SYNC_FLUSH);
                if (n < out.length) {
                    break; // all input consumed and flushed (a full array means there may be more)
                }
                out = java.util.Arrays.copyOf(out, out.length * 2);
            }
            return n - 4;
        }

        void trim() {
            if (out.length > KEPT_BYTES) {
                out = new byte[INITIAL_BYTES];
            }
        }

        void end() {
            for (Deflater d : deflaters) {
                if (d != null) {
                    d.end();
                }
            }
        }
    }
}
