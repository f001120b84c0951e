package dev.ferry.bench.peers;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * WAMP v2 over {@code wamp.2.json} at Ferry's {@code /v1/wamp} (docs/wamp.md), realm {@code realm1} (a server
 * without {@code wamp.realms}): the same load as the ferry.v1 codecs, spoken as a WAMP client would. Fan-out
 * ({@link #fanout()}): HELLO, then on WELCOME ready and {@code SUBSCRIBE} (request 1), subscribed on its
 * {@code SUBSCRIBED}; {@code PUBLISH} with the payload as the one positional argument; deliveries are
 * {@code EVENT}s, one per WebSocket message. RPC ({@link #caller()}, {@link #callee()}): {@code CALL} with the
 * payload as argument, answered by {@code RESULT}; the callee registers {@link #PROCEDURE} (ready on
 * {@code REGISTERED}) and answers each {@code INVOCATION} with a {@code YIELD} of the same argument.
 */
final class WampCodecs {
    static final String SUBPROTOCOL = "wamp.2.json";
    /** The procedure the WAMP callee registers: its own, so that ferry.v1 and WAMP callees can share one server. */
    static final String PROCEDURE = "bench.echo.wamp";
    private static final String HELLO = "[1,\"realm1\",{\"roles\":{\"publisher\":{},\"subscriber\":{},\"caller\":{},\"callee\":{}}}]";
    private static final byte[] WELCOME = Bytes.ascii("[2,");
    private static final byte[] ABORT = Bytes.ascii("[3,");
    private static final byte[] ERROR = Bytes.ascii("[8,");
    private static final byte[] SUBSCRIBED = Bytes.ascii("[33,");
    private static final byte[] EVENT = Bytes.ascii("[36,");
    private static final byte[] RESULT = Bytes.ascii("[50,");
    private static final byte[] REGISTERED = Bytes.ascii("[65,");
    private static final byte[] INVOCATION = Bytes.ascii("[68,");
    private static final byte[] QUOTE_BRACKETS = Bytes.ascii("\"]]");

    private WampCodecs() {
    }

    /** Publishers and subscribers ({@code --codec wamp}). */
    static PeerCodec fanout() {
        return PeerCodec.of("wamp", "/v1/wamp", SUBPROTOCOL, Fanout::new);
    }

    /** Connections that call {@link #PROCEDURE}. */
    static PeerCodec caller() {
        return PeerCodec.of("wamp-caller", "/v1/wamp", SUBPROTOCOL, Caller::new);
    }

    /** Connections that register {@link #PROCEDURE} and answer its invocations. */
    static PeerCodec callee() {
        return PeerCodec.of("wamp-callee", "/v1/wamp", SUBPROTOCOL, Callee::new);
    }

    /** Reports ABORT and ERROR; true when the message was one. */
    private static boolean failed(ByteBuf buf, int from, int to, PeerSink sink) {
        if (Bytes.startsWith(buf, from, to, ABORT) || Bytes.startsWith(buf, from, to, ERROR)) {
            sink.error(Bytes.string(buf, from, to));
            return true;
        }
        return false;
    }

    private static final class Fanout implements PeerSession {
        private String topic;
        private final TopicBytes pubHead = new TopicBytes(t -> Bytes.ascii("[16,1,{},\"" + t + "\",[\""));

        @Override
        public void open(ByteBufAllocator alloc, String topic, PeerSink sink) {
            this.topic = topic;
            sink.send(Bytes.text(alloc, HELLO));
        }

        @Override
        public WebSocketFrame publish(ByteBufAllocator alloc, String topic, long intendedNanos) {
            return Bytes.textAround(alloc, pubHead.of(topic), intendedNanos, QUOTE_BRACKETS);
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
            if (Bytes.startsWith(buf, from, to, EVENT)) {
                if (Payload.scan(buf, from, to, sink::delivery) != 1) {
                    sink.error("EVENT without one payload: " + Bytes.string(buf, from, to));
                }
            } else if (Bytes.startsWith(buf, from, to, WELCOME)) {
                sink.ready();
                if (topic != null) {
                    sink.send(Bytes.text(frame.content().alloc(), "[32,1,{},\"" + topic + "\"]"));
                }
            } else if (Bytes.startsWith(buf, from, to, SUBSCRIBED)) {
                sink.subscribed();
            } else {
                failed(buf, from, to, sink);
            }
        }
    }

    private static final class Caller implements PeerSession {
        private long nextId = 1;
        private PeerSink pending;

        @Override
        public void open(ByteBufAllocator alloc, String topic, PeerSink sink) {
            sink.send(Bytes.text(alloc, HELLO));
        }

        @Override
        public WebSocketFrame publish(ByteBufAllocator alloc, String procedure, long intendedNanos) {
            byte[] head = Bytes.ascii("[48," + nextId++ + ",{},\"" + procedure + "\",[\"");
            return Bytes.textAround(alloc, head, intendedNanos, QUOTE_BRACKETS);
        }

        @Override
        public void read(WebSocketFrame frame, PeerSink sink) {
            ByteBuf buf = frame.content();
            int from = buf.readerIndex();
            int to = buf.writerIndex();
            if (Bytes.startsWith(buf, from, to, RESULT)) {
                if (Payload.scan(buf, from, to, sink::delivery) != 1) {
                    sink.error("RESULT without one payload: " + Bytes.string(buf, from, to));
                }
            } else if (Bytes.startsWith(buf, from, to, WELCOME)) {
                sink.ready();
            } else {
                failed(buf, from, to, sink);
            }
        }
    }

    private static final class Callee implements PeerSession {
        private static final byte[] YIELD_HEAD = Bytes.ascii("[70,");
        private static final byte[] ARGS = Bytes.ascii(",{},[\"");

        @Override
        public void open(ByteBufAllocator alloc, String topic, PeerSink sink) {
            sink.send(Bytes.text(alloc, HELLO));
        }

        @Override
        public WebSocketFrame publish(ByteBufAllocator alloc, String topic, long intendedNanos) {
            throw new UnsupportedOperationException("a callee does not call");
        }

        @Override
        public void read(WebSocketFrame frame, PeerSink sink) {
            ByteBuf buf = frame.content();
            int from = buf.readerIndex();
            int to = buf.writerIndex();
            if (Bytes.startsWith(buf, from, to, INVOCATION)) {
                int idFrom = from + INVOCATION.length;
                int idTo = idFrom;
                while (idTo < to && buf.getByte(idTo) >= '0' && buf.getByte(idTo) <= '9') {
                    idTo++;
                }
                int payload = buf.indexOf(idTo, to, (byte) '@');
                if (idTo == idFrom || payload < 0 || Payload.timeAt(buf, payload, to) < 0
                        || payload + Payload.BYTES > to) {
                    sink.error("INVOCATION without an id and a payload: " + Bytes.string(buf, from, to));
                    return;
                }
                ByteBuf yield = buf.alloc().buffer(YIELD_HEAD.length + (idTo - idFrom) + ARGS.length + Payload.BYTES
                        + QUOTE_BRACKETS.length);
                yield.writeBytes(YIELD_HEAD).writeBytes(buf, idFrom, idTo - idFrom).writeBytes(ARGS)
                        .writeBytes(buf, payload, Payload.BYTES).writeBytes(QUOTE_BRACKETS);
                sink.send(new TextWebSocketFrame(yield));
            } else if (Bytes.startsWith(buf, from, to, WELCOME)) {
                sink.send(Bytes.text(buf.alloc(), "[64,1,{},\"" + PROCEDURE + "\"]"));
            } else if (Bytes.startsWith(buf, from, to, REGISTERED)) {
                sink.ready();
            } else {
                failed(buf, from, to, sink);
            }
        }
    }
}
