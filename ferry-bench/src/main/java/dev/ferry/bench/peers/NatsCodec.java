package dev.ferry.bench.peers;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;

/**
 * NATS over its WebSocket listener: the text protocol carried in binary messages, which neither start nor end
 * on protocol boundaries (the server coalesces), so the session keeps the bytes of an unfinished operation.
 * The client sends {@code CONNECT {...}}, its {@code SUB topic 1}, then {@code PING}; the {@code PONG} that answers
 * it means the server has processed both. Publications are {@code PUB topic 128}; deliveries {@code MSG subject sid
 * [reply] bytes}; the server's {@code PING} is answered {@code PONG}; {@code -ERR} is an error.
 */
final class NatsCodec implements PeerCodec {
    static final String NAME = "nats";
    private static final byte[] CONNECT = Bytes.ascii("CONNECT {\"verbose\":false,\"pedantic\":false,\"protocol\":1,"
            + "\"lang\":\"ferry-bench\",\"version\":\"0.1.0\",\"headers\":false}\r\n");
    private static final byte[] PONG = Bytes.ascii("PONG\r\n");
    private static final byte[] CRLF = Bytes.ascii("\r\n");

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
        return new Session();
    }

    static final class Session implements PeerSession {
        /** Bytes of an operation not complete yet (heap, grows as needed). */
        private final StreamReassembly stream = new StreamReassembly();
        private boolean subscribing;
        private boolean ready;
        private final TopicBytes pubHead =
                new TopicBytes(topic -> Bytes.ascii("PUB " + topic + " " + Payload.BYTES + "\r\n"));

        @Override
        public void open(ByteBufAllocator alloc, String topic, PeerSink sink) {
            StringBuilder ops = new StringBuilder(new String(CONNECT, StandardCharsets.US_ASCII));
            if (topic != null) {
                subscribing = true;
                ops.append("SUB ").append(topic).append(" 1\r\n");
            }
            ops.append("PING\r\n");
            sink.send(Bytes.binary(alloc, Bytes.ascii(ops.toString())));
        }

        @Override
        public WebSocketFrame publish(ByteBufAllocator alloc, String topic, long intendedNanos) {
            return Bytes.binaryAround(alloc, pubHead.of(topic), intendedNanos, CRLF);
        }

        @Override
        public void read(WebSocketFrame frame, PeerSink sink) {
            stream.read(frame.content(), (buf, at, end) -> operation(buf, at, end, sink));
        }

        /** Reads the operation at {@code at}; returns the bytes it took, 0 when it is not complete yet. */
        private int operation(ByteBuf buf, int at, int end, PeerSink sink) {
            int cr = buf.indexOf(at, end, (byte) '\n');
            if (cr < 0) {
                return 0;
            }
            int lineEnd = cr > at && buf.getByte(cr - 1) == '\r' ? cr - 1 : cr;
            int next = cr + 1;
            byte c0 = buf.getByte(at);
            if (c0 == 'M') { // MSG <subject> <sid> [reply-to] <#bytes>
                int lastSpace = lastIndexOf(buf, at, lineEnd, (byte) ' ');
                int size = parseInt(buf, lastSpace + 1, lineEnd);
                if (size < 0) {
                    sink.error("bad MSG: " + Bytes.string(buf, at, lineEnd));
                    return next - at;
                }
                if (next + size + 2 > end) {
                    return 0;
                }
                if (Payload.scan(buf, next, next + size, sink::delivery) != 1) {
                    sink.error("MSG without one payload");
                }
                return next + size + 2 - at;
            }
            if (c0 == 'P' && lineEnd - at == 4 && buf.getByte(at + 1) == 'I') { // PING
                sink.send(Bytes.binary(buf.alloc(), PONG));
            } else if (c0 == 'P' && lineEnd - at == 4 && buf.getByte(at + 1) == 'O') { // PONG
                if (!ready) {
                    ready = true;
                    sink.ready();
                    if (subscribing) {
                        sink.subscribed();
                    }
                }
            } else if (c0 == '-') { // -ERR
                sink.error(Bytes.string(buf, at, lineEnd));
            }
            // INFO, +OK: nothing to do
            return next - at;
        }

        private static int lastIndexOf(ByteBuf buf, int from, int to, byte b) {
            for (int i = to - 1; i >= from; i--) {
                if (buf.getByte(i) == b) {
                    return i;
                }
            }
            return from - 1;
        }

        private static int parseInt(ByteBuf buf, int from, int to) {
            if (from >= to) {
                return -1;
            }
            int v = 0;
            for (int i = from; i < to; i++) {
                int d = buf.getByte(i) - '0';
                if (d < 0 || d > 9) {
                    return -1;
                }
                v = v * 10 + d;
            }
            return v;
        }

        @Override
        public void close() {
            stream.release();
        }
    }
}
