package dev.ferry.bench.peers;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * The Vert.x SockJS event-bus bridge, over SockJS's WebSocket transport ({@code /eventbus/<server>/<session>/
 * websocket}) with SockJS framing: the server opens with {@code o}, sends heart-beats {@code h} and messages as
 * {@code a[...]}, an array of JSON strings (several messages may share one frame); the client sends arrays of JSON
 * strings. Each string is an event-bus bridge frame: {@code {"type":"register","address":A}}, {@code
 * {"type":"publish","address":A,"body":B}}, deliveries {@code {"type":"rec",...,"body":B}}, errors {@code
 * {"type":"err",...}}, and the client's {@code {"type":"ping"}} that keeps the bridge from closing the socket.
 * A register has no acknowledgement: after it the client sends a {@code send} with a reply address to an address
 * nobody consumes, and the bridge's {@code err} answer to that (frames are handled in order) marks the
 * registration done.
 */
final class SockJsCodec implements PeerCodec {
    static final String NAME = "sockjs";
    static final String PROBE_ADDRESS = "bench.probe.nobody";
    private static final byte[] ERR = Bytes.ascii("\"type\\\":\\\"err\\\"");
    private static final byte[] TAIL = Bytes.ascii("\\\"}\"]");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String path() {
        return "/eventbus/000/ferrybench/websocket";
    }

    @Override
    public String subprotocol() {
        return null;
    }

    @Override
    public long heartbeatMillis() {
        return 10_000;
    }

    @Override
    public PeerSession session() {
        return new Session();
    }

    /** One bridge frame (JSON, without backslashes or quotes needing escapes beyond {@code "}) as a SockJS array. */
    static String framed(String json) {
        return "[\"" + json.replace("\"", "\\\"") + "\"]";
    }

    private static final class Session implements PeerSession {
        private boolean subscribing;
        private boolean open;
        private String subscribeTo;
        private final TopicBytes pubHead = new TopicBytes(topic -> Bytes.ascii(
                "[\"{\\\"type\\\":\\\"publish\\\",\\\"address\\\":\\\"" + topic + "\\\",\\\"body\\\":\\\""));

        @Override
        public void open(ByteBufAllocator alloc, String topic, PeerSink sink) {
            subscribeTo = topic;
        }

        private void opened(ByteBufAllocator alloc, PeerSink sink) {
            open = true;
            sink.ready();
            if (subscribeTo != null) {
                subscribing = true;
                sink.send(Bytes.text(alloc, framed("{\"type\":\"register\",\"address\":\"" + subscribeTo + "\"}")));
                sink.send(Bytes.text(alloc, framed("{\"type\":\"send\",\"address\":\"" + PROBE_ADDRESS
                        + "\",\"replyAddress\":\"bench.probe.reply\",\"body\":\"probe\"}")));
            }
        }

        @Override
        public WebSocketFrame publish(ByteBufAllocator alloc, String topic, long intendedNanos) {
            return Bytes.textAround(alloc, pubHead.of(topic), intendedNanos, TAIL);
        }

        @Override
        public WebSocketFrame heartbeat(ByteBufAllocator alloc) {
            return Bytes.text(alloc, framed("{\"type\":\"ping\"}"));
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
            if (to == from) {
                return;
            }
            switch (buf.getByte(from)) {
                case 'a' -> {
                    int n = Payload.scan(buf, from, to, sink::delivery);
                    if (n == 0 && buf.indexOf(from, to, ERR[0]) >= 0 && contains(buf, from, to, ERR)) {
                        if (subscribing) {
                            subscribing = false;
                            sink.subscribed(); // the probe's answer: the register before it is in effect
                        } else {
                            sink.error(Bytes.string(buf, from, to));
                        }
                    }
                }
                case 'o' -> {
                    if (!open) {
                        opened(buf.alloc(), sink);
                    }
                }
                case 'c' -> sink.error("closed by the server: " + Bytes.string(buf, from, to));
                default -> {
                    // h: heart-beat
                }
            }
        }

        private static boolean contains(ByteBuf buf, int from, int to, byte[] what) {
            for (int i = buf.indexOf(from, to, what[0]); i >= 0 && i + what.length <= to;
                    i = buf.indexOf(i + 1, to, what[0])) {
                if (Bytes.startsWith(buf, i, to, what)) {
                    return true;
                }
            }
            return false;
        }
    }
}
