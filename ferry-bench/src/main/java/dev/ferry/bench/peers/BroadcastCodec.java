package dev.ferry.bench.peers;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * Plain WebSocket broadcast (the Node {@code ws} baseline and the raw-Netty ceiling): every text message a client
 * sends is sent to every connected client, the sender included. There are no topics and no acknowledgements: a
 * connection is ready and subscribed once upgraded. A message is the bare payload.
 */
final class BroadcastCodec implements PeerCodec {
    static final String NAME = "ws";
    private static final byte[] NOTHING = new byte[0];

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String path() {
        return "/";
    }

    @Override
    public String subprotocol() {
        return null;
    }

    @Override
    public PeerSession session() {
        return new PeerSession() {
            @Override
            public void open(ByteBufAllocator alloc, String topic, PeerSink sink) {
                sink.ready();
                if (topic != null) {
                    sink.subscribed();
                }
            }

            @Override
            public WebSocketFrame publish(ByteBufAllocator alloc, String topic, long intendedNanos) {
                return Bytes.textAround(alloc, NOTHING, intendedNanos, NOTHING);
            }

            @Override
            public void read(WebSocketFrame frame, PeerSink sink) {
                ByteBuf buf = frame.content();
                if (!(frame instanceof TextWebSocketFrame)
                        || Payload.scan(buf, buf.readerIndex(), buf.writerIndex(), sink::delivery) != 1) {
                    sink.error("not a payload: " + Bytes.string(buf, buf.readerIndex(), buf.writerIndex()));
                }
            }
        };
    }
}
