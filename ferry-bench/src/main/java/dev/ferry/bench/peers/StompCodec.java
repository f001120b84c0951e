package dev.ferry.bench.peers;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * STOMP 1.2 over WebSocket (RabbitMQ Web-STOMP: {@code /ws}, subprotocol {@code v12.stomp}, text messages).
 * CONNECT (guest on loopback, asking the server for a heart-beat every 10 s and sending none) is answered by
 * CONNECTED; a subscriber then sends SUBSCRIBE to {@code /topic/<topic>} with a receipt, answered by RECEIPT.
 * Publications are SEND with {@code content-length}; deliveries are MESSAGE frames. Frames end with NUL; a bare EOL
 * is a heart-beat. A message may hold several frames.
 */
final class StompCodec implements PeerCodec {
    static final String NAME = "stomp";
    private static final byte[] MESSAGE = Bytes.ascii("MESSAGE");
    private static final byte[] CONNECTED = Bytes.ascii("CONNECTED");
    private static final byte[] RECEIPT = Bytes.ascii("RECEIPT");
    private static final byte[] ERROR = Bytes.ascii("ERROR");
    private static final byte[] NUL = {0};

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String path() {
        return "/ws";
    }

    @Override
    public String subprotocol() {
        return "v12.stomp";
    }

    @Override
    public String topic(String benchTopic) {
        return "/topic/" + benchTopic;
    }

    @Override
    public PeerSession session() {
        return new Session();
    }

    static String connectFrame() {
        return "CONNECT\naccept-version:1.2\nhost:/\nlogin:guest\npasscode:guest\nheart-beat:0,10000\n\n\0";
    }

    static String subscribeFrame(String destination) {
        return "SUBSCRIBE\nid:0\ndestination:" + destination + "\nack:auto\nreceipt:sub-0\n\n\0";
    }

    private static final class Session implements PeerSession {
        private String subscribeTo;
        private final TopicBytes pubHead = new TopicBytes(topic -> Bytes.ascii("SEND\ndestination:" + topic
                + "\ncontent-type:text/plain\ncontent-length:" + Payload.BYTES + "\n\n"));

        @Override
        public void open(ByteBufAllocator alloc, String topic, PeerSink sink) {
            subscribeTo = topic;
            sink.send(Bytes.text(alloc, connectFrame()));
        }

        @Override
        public WebSocketFrame publish(ByteBufAllocator alloc, String topic, long intendedNanos) {
            return Bytes.textAround(alloc, pubHead.of(topic), intendedNanos, NUL);
        }

        @Override
        public void read(WebSocketFrame frame, PeerSink sink) {
            ByteBuf buf = frame.content();
            int at = buf.readerIndex();
            int end = buf.writerIndex();
            while (at < end) {
                while (at < end && (buf.getByte(at) == '\n' || buf.getByte(at) == '\r')) {
                    at++; // heart-beats and EOLs between frames
                }
                if (at == end) {
                    break;
                }
                int nul = buf.indexOf(at, end, (byte) 0);
                int to = nul < 0 ? end : nul;
                stompFrame(buf, at, to, sink);
                at = to + 1;
            }
        }

        private void stompFrame(ByteBuf buf, int from, int to, PeerSink sink) {
            if (Bytes.startsWith(buf, from, to, MESSAGE)) {
                int body = buf.indexOf(from, to, (byte) '\n');
                // the body starts after the blank line ending the headers; the payload marker cannot be in a header
                // because RabbitMQ's message-id and subscription values never hold "@T" followed by 19 digits
                if (body < 0 || Payload.scan(buf, body, to, sink::delivery) != 1) {
                    sink.error("MESSAGE without one payload");
                }
            } else if (Bytes.startsWith(buf, from, to, CONNECTED)) {
                sink.ready();
                if (subscribeTo != null) {
                    sink.send(Bytes.text(buf.alloc(), subscribeFrame(subscribeTo)));
                }
            } else if (Bytes.startsWith(buf, from, to, RECEIPT)) {
                sink.subscribed();
            } else if (Bytes.startsWith(buf, from, to, ERROR)) {
                sink.error(Bytes.string(buf, from, to));
            }
        }
    }
}
