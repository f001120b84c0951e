package dev.ferry.bench.peers;

import dev.ferry.bench.fanout.LfFrames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * ferry.v1 RPC (docs/protocol.md, "call, invoke, reply"): the caller's {@code call} carries the payload as
 * {@code args} and its {@code result} brings it back as {@code data}; the callee registers the procedure (ready on
 * the register's {@code result}) and answers each {@code invoke} with a {@code reply} whose {@code data} is the
 * invocation's {@code args}. {@link PeerSession#publish} makes a call; the topic argument is the procedure.
 */
final class FerryRpcCodecs {
    static final String PROCEDURE = "bench.echo";
    private static final byte[] RESULT = Bytes.ascii("{\"type\":\"result\"");
    private static final byte[] RESULT_1 = Bytes.ascii("{\"type\":\"result\",\"id\":1,");
    private static final byte[] INVOKE = Bytes.ascii("{\"type\":\"invoke\",\"id\":");
    private static final byte[] ERROR = Bytes.ascii("{\"type\":\"error\"");
    private static final byte[] QUOTE_BRACE = Bytes.ascii("\"}");

    private FerryRpcCodecs() {
    }

    /** Connections that call {@link #PROCEDURE}. */
    static PeerCodec caller() {
        return PeerCodec.of("ferry-caller", "/v1/ws", "ferry.v1", Caller::new);
    }

    /** Connections that register {@link #PROCEDURE} and answer its invocations. */
    static PeerCodec callee() {
        return PeerCodec.of("ferry-callee", "/v1/ws", "ferry.v1", Callee::new);
    }

    private static final class Caller implements PeerSession {
        private long nextId = 1;

        @Override
        public void open(ByteBufAllocator alloc, String topic, PeerSink sink) {
            sink.ready();
        }

        @Override
        public WebSocketFrame publish(ByteBufAllocator alloc, String procedure, long intendedNanos) {
            byte[] head = Bytes.ascii("{\"type\":\"call\",\"id\":" + nextId++ + ",\"proc\":\"" + procedure
                    + "\",\"args\":\"");
            return Bytes.textAround(alloc, head, intendedNanos, QUOTE_BRACE);
        }

        @Override
        public void read(WebSocketFrame frame, PeerSink sink) {
            LfFrames.forEach(frame.content(), sink, Caller::line);
        }

        private static void line(ByteBuf buf, int from, int to, PeerSink sink) {
            if (Bytes.startsWith(buf, from, to, RESULT)) {
                if (Payload.scan(buf, from, to, sink::delivery) != 1) {
                    sink.error("result without one payload: " + Bytes.string(buf, from, to));
                }
            } else if (Bytes.startsWith(buf, from, to, ERROR)) {
                sink.error(Bytes.string(buf, from, to));
            }
        }
    }

    private static final class Callee implements PeerSession {
        private static final byte[] REPLY_HEAD = Bytes.ascii("{\"type\":\"reply\",\"id\":");
        private static final byte[] DATA = Bytes.ascii(",\"data\":\"");

        @Override
        public void open(ByteBufAllocator alloc, String topic, PeerSink sink) {
            sink.send(Bytes.text(alloc, "{\"type\":\"register\",\"id\":1,\"proc\":\"" + PROCEDURE + "\"}"));
        }

        @Override
        public WebSocketFrame publish(ByteBufAllocator alloc, String topic, long intendedNanos) {
            throw new UnsupportedOperationException("a callee does not call");
        }

        @Override
        public void read(WebSocketFrame frame, PeerSink sink) {
            LfFrames.forEach(frame.content(), sink, Callee::line);
        }

        private static void line(ByteBuf buf, int from, int to, PeerSink sink) {
            if (Bytes.startsWith(buf, from, to, INVOKE)) {
                int idFrom = from + INVOKE.length;
                int idTo = idFrom;
                while (idTo < to && buf.getByte(idTo) >= '0' && buf.getByte(idTo) <= '9') {
                    idTo++;
                }
                int payload = buf.indexOf(idTo, to, (byte) '@');
                if (idTo == idFrom || payload < 0 || Payload.timeAt(buf, payload, to) < 0
                        || payload + Payload.BYTES > to) {
                    sink.error("invoke without an id and a payload: " + Bytes.string(buf, from, to));
                    return;
                }
                ByteBuf reply = buf.alloc().buffer(REPLY_HEAD.length + (idTo - idFrom) + DATA.length + Payload.BYTES
                        + QUOTE_BRACE.length);
                reply.writeBytes(REPLY_HEAD).writeBytes(buf, idFrom, idTo - idFrom).writeBytes(DATA)
                        .writeBytes(buf, payload, Payload.BYTES).writeBytes(QUOTE_BRACE);
                sink.send(new TextWebSocketFrame(reply));
            } else if (Bytes.startsWith(buf, from, to, RESULT_1)) {
                sink.ready();
            } else if (Bytes.startsWith(buf, from, to, ERROR)) {
                sink.error(Bytes.string(buf, from, to));
            }
        }
    }
}
