package dev.ferry.bench.peers;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * MQTT 3.1.1 at QoS 0 over WebSocket (subprotocol {@code mqtt}, binary messages). A message may hold several
 * control packets or part of one, so the session keeps the bytes of an unfinished packet. The client sends
 * CONNECT (clean session, keep-alive {@link #KEEP_ALIVE_SECONDS}); CONNACK with return code 0 makes it ready,
 * and a subscriber then sends SUBSCRIBE (packet id 1, QoS 0), acknowledged by SUBACK. Publications are PUBLISH at
 * QoS 0; the client's heartbeat is PINGREQ. Topics use {@code /} for levels: {@code bench.fanout} is
 * {@code bench/fanout}.
 */
final class MqttCodec implements PeerCodec {
    static final String NAME = "mqtt";
    static final int KEEP_ALIVE_SECONDS = 30;
    /** Client ids of this codec's sessions: unique within the process, and with the pid across processes. */
    private final AtomicLong clientIds = new AtomicLong();
    private static final byte[] PINGREQ = {(byte) 0xC0, 0};

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String path() {
        return "/mqtt";
    }

    @Override
    public String subprotocol() {
        return "mqtt";
    }

    @Override
    public String topic(String benchTopic) {
        return benchTopic.replace('.', '/');
    }

    @Override
    public long heartbeatMillis() {
        return 10_000;
    }

    @Override
    public PeerSession session() {
        return new Session("fb-" + ProcessHandle.current().pid() + "-" + clientIds.incrementAndGet());
    }

    /** CONNECT for {@code clientId}: protocol MQTT level 4, clean session, keep-alive. */
    static byte[] connect(String clientId) {
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        ByteBuf b = Unpooled.buffer();
        int remaining = 10 + 2 + id.length;
        b.writeByte(0x10);
        writeLength(b, remaining);
        b.writeShort(4).writeBytes(Bytes.ascii("MQTT")).writeByte(4).writeByte(0x02).writeShort(KEEP_ALIVE_SECONDS);
        b.writeShort(id.length).writeBytes(id);
        return array(b);
    }

    /** SUBSCRIBE to {@code topic} at QoS 0 with packet id 1. */
    static byte[] subscribe(String topic) {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        ByteBuf b = Unpooled.buffer();
        b.writeByte(0x82);
        writeLength(b, 2 + 2 + t.length + 1);
        b.writeShort(1).writeShort(t.length).writeBytes(t).writeByte(0);
        return array(b);
    }

    static void writeLength(ByteBuf b, int length) {
        do {
            int digit = length % 128;
            length /= 128;
            b.writeByte(length > 0 ? digit | 0x80 : digit);
        } while (length > 0);
    }

    private static byte[] array(ByteBuf b) {
        byte[] a = new byte[b.readableBytes()];
        b.readBytes(a);
        b.release();
        return a;
    }

    static final class Session implements PeerSession {
        private final String clientId;
        private final StreamReassembly stream = new StreamReassembly();
        private String subscribeTo;
        private final TopicBytes topicBytes = new TopicBytes(topic -> topic.getBytes(StandardCharsets.UTF_8));

        Session(String clientId) {
            this.clientId = clientId;
        }

        @Override
        public void open(ByteBufAllocator alloc, String topic, PeerSink sink) {
            subscribeTo = topic;
            sink.send(Bytes.binary(alloc, connect(clientId)));
        }

        @Override
        public WebSocketFrame publish(ByteBufAllocator alloc, String topic, long intendedNanos) {
            byte[] pubTopicBytes = topicBytes.of(topic);
            ByteBuf b = alloc.buffer(5 + 2 + pubTopicBytes.length + Payload.BYTES);
            b.writeByte(0x30);
            writeLength(b, 2 + pubTopicBytes.length + Payload.BYTES);
            b.writeShort(pubTopicBytes.length).writeBytes(pubTopicBytes);
            Payload.write(b, intendedNanos);
            return new BinaryWebSocketFrame(b);
        }

        @Override
        public WebSocketFrame heartbeat(ByteBufAllocator alloc) {
            return Bytes.binary(alloc, PINGREQ);
        }

        @Override
        public void read(WebSocketFrame frame, PeerSink sink) {
            stream.read(frame.content(), (buf, at, end) -> packet(buf, at, end, sink));
        }

        /** Reads the packet at {@code at}; returns its size, 0 when it is not complete yet. */
        private int packet(ByteBuf buf, int at, int end, PeerSink sink) {
            int header = buf.getByte(at) & 0xFF;
            int length = 0;
            int multiplier = 1;
            int i = at + 1;
            while (true) {
                if (i >= end) {
                    return 0;
                }
                int digit = buf.getByte(i++) & 0xFF;
                length += (digit & 0x7F) * multiplier;
                if ((digit & 0x80) == 0) {
                    break;
                }
                multiplier *= 128;
                if (multiplier > 128 * 128 * 128) {
                    sink.error("malformed remaining length");
                    return end - at;
                }
            }
            if (i + length > end) {
                return 0;
            }
            switch (header >> 4) {
                case 3 -> { // PUBLISH
                    int topicLength = buf.getUnsignedShort(i);
                    int payload = i + 2 + topicLength + (((header >> 1) & 3) > 0 ? 2 : 0);
                    if (Payload.scan(buf, payload, i + length, sink::delivery) != 1) {
                        sink.error("PUBLISH without one payload");
                    }
                }
                case 2 -> { // CONNACK
                    int code = length >= 2 ? buf.getByte(i + 1) : -1;
                    if (code != 0) {
                        sink.error("CONNACK return code " + code);
                    } else {
                        sink.ready();
                        if (subscribeTo != null) {
                            sink.send(Bytes.binary(buf.alloc(), subscribe(subscribeTo)));
                        }
                    }
                }
                case 9 -> { // SUBACK
                    int granted = length >= 3 ? buf.getByte(i + 2) & 0xFF : 0x80;
                    if (granted == 0x80) {
                        sink.error("SUBACK refused the subscription");
                    } else {
                        sink.subscribed();
                    }
                }
                default -> {
                    // PINGRESP and anything else QoS 0 does not need
                }
            }
            return i + length - at;
        }

        @Override
        public void close() {
            stream.release();
        }
    }
}
