package dev.ferry.bench.peers;

import dev.ferry.bench.fanout.LfFrames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * ferry.v1 (docs/protocol.md): {@code sub} with id 1, answered by its {@code result}; {@code pub} with the payload
 * as a JSON string in {@code data}; deliveries are {@code msg} frames, several of which may share one text message
 * separated by LF. No handshake frames: the connection is ready once upgraded.
 */
final class FerryCodec implements PeerCodec {
    static final String NAME = "ferry";
    private static final byte[] MSG = Bytes.ascii("{\"type\":\"msg\"");
    private static final byte[] RESULT_1 = Bytes.ascii("{\"type\":\"result\",\"id\":1,");
    private static final byte[] ERROR = Bytes.ascii("{\"type\":\"error\"");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String path() {
        return "/v1/ws";
    }

    @Override
    public String subprotocol() {
        return "ferry.v1";
    }

    @Override
    public PeerSession session() {
        return new Session();
    }

    /** The {@code pub} head for {@code topic}: the payload string and {@code "}} follow. */
    static byte[] pubHead(String topic) {
        return Bytes.ascii("{\"type\":\"pub\",\"topic\":\"" + topic + "\",\"data\":\"");
    }

    private static final byte[] QUOTE_BRACE = Bytes.ascii("\"}");

    private static final class Session implements PeerSession {
        private final TopicBytes pubHead = new TopicBytes(FerryCodec::pubHead);

        @Override
        public void open(ByteBufAllocator alloc, String topic, PeerSink sink) {
            sink.ready();
            if (topic != null) {
                sink.send(Bytes.text(alloc, "{\"type\":\"sub\",\"id\":1,\"topic\":\"" + topic + "\"}"));
            }
        }

        @Override
        public WebSocketFrame publish(ByteBufAllocator alloc, String topic, long intendedNanos) {
            return Bytes.textAround(alloc, pubHead.of(topic), intendedNanos, QUOTE_BRACE);
        }

        @Override
        public void read(WebSocketFrame frame, PeerSink sink) {
            if (!(frame instanceof TextWebSocketFrame)) {
                sink.error("binary message");
                return;
            }
            LfFrames.forEach(frame.content(), sink, Session::line);
        }

        private static void line(ByteBuf buf, int from, int to, PeerSink sink) {
            if (Bytes.startsWith(buf, from, to, MSG)) {
                if (Payload.scan(buf, from, to, sink::delivery) != 1) {
                    sink.error("msg without one payload: " + Bytes.string(buf, from, to));
                }
            } else if (Bytes.startsWith(buf, from, to, RESULT_1)) {
                sink.subscribed();
            } else if (Bytes.startsWith(buf, from, to, ERROR)) {
                sink.error(Bytes.string(buf, from, to));
            }
        }
    }
}
