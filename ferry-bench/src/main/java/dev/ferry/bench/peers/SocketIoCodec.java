package dev.ferry.bench.peers;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * Socket.IO 4 over the Engine.IO v4 WebSocket transport only ({@code /socket.io/?EIO=4&transport=websocket}, no
 * polling upgrade). The server opens with {@code 0{...}}; the client connects the main namespace with {@code 40}
 * and waits for the server's {@code 40{...}} before anything else (events sent earlier are dropped), then emits
 * {@code 420["sub",topic]}, acknowledged by {@code 430[...]}. Publications are {@code 42["pub",topic,payload]},
 * deliveries {@code 42["msg",payload]}. The server pings with {@code 2}; the client answers {@code 3}.
 * The bench server (bench/peers/socketio.js) joins the room named by the topic and broadcasts to it.
 */
final class SocketIoCodec implements PeerCodec {
    static final String NAME = "socketio";
    private static final byte[] EVENT_MSG = Bytes.ascii("42[\"msg\",");
    private static final byte[] CONNECTED = Bytes.ascii("40");
    private static final byte[] SUB_ACK = Bytes.ascii("430");
    private static final byte[] CONNECT_ERROR = Bytes.ascii("44");
    private static final byte[] TAIL = Bytes.ascii("\"]");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String path() {
        return "/socket.io/?EIO=4&transport=websocket";
    }

    @Override
    public String subprotocol() {
        return null;
    }

    @Override
    public PeerSession session() {
        return new Session();
    }

    private static final class Session implements PeerSession {
        private String subscribeTo;
        private boolean connected;
        private final TopicBytes pubHead = new TopicBytes(topic -> Bytes.ascii("42[\"pub\",\"" + topic + "\",\""));

        @Override
        public void open(ByteBufAllocator alloc, String topic, PeerSink sink) {
            subscribeTo = topic;
            sink.send(Bytes.text(alloc, "40"));
        }

        @Override
        public WebSocketFrame publish(ByteBufAllocator alloc, String topic, long intendedNanos) {
            return Bytes.textAround(alloc, pubHead.of(topic), intendedNanos, TAIL);
        }

        @Override
        public void read(WebSocketFrame frame, PeerSink sink) {
            if (!(frame instanceof TextWebSocketFrame)) {
                sink.error("binary message");
                return;
            }
            ByteBuf buf = frame.content();
            int from = buf.readerIndex();
            int to = buf.writerIndex();
            if (Bytes.startsWith(buf, from, to, EVENT_MSG)) {
                if (Payload.scan(buf, from, to, sink::delivery) != 1) {
                    sink.error("msg without one payload: " + Bytes.string(buf, from, to));
                }
            } else if (to - from == 1 && buf.getByte(from) == '2') {
                sink.send(Bytes.text(frame.content().alloc(), "3"));
            } else if (Bytes.startsWith(buf, from, to, SUB_ACK)) {
                sink.subscribed();
            } else if (Bytes.startsWith(buf, from, to, CONNECTED)) {
                if (!connected) {
                    connected = true;
                    sink.ready();
                    if (subscribeTo != null) {
                        sink.send(Bytes.text(buf.alloc(), "420[\"sub\",\"" + subscribeTo + "\"]"));
                    }
                }
            } else if (Bytes.startsWith(buf, from, to, CONNECT_ERROR) || (to > from && buf.getByte(from) == '1')) {
                sink.error(Bytes.string(buf, from, to));
            }
            // 0{...} (Engine.IO open) and other events: nothing to do
        }
    }
}
