package dev.ferry.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The record-header reader in front of the SslHandler, without TLS: records are built by hand, and a stand-in for
 * the SslHandler declares the handshake done once it has received a chosen number of handshake records.
 */
class TlsRenegotiationFilterTest {
    private static final int HANDSHAKE = 22;
    private static final int APPLICATION_DATA = 23;
    private static final int ALERT = 21;

    /** Stands in for the SslHandler: keeps what reaches it, and finishes the handshake at its n-th handshake record. */
    private static final class Receiver extends ChannelInboundHandlerAdapter {
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private final int handshakeRecords;
        private int seen;
        private int headerPos;
        private int left;
        boolean done;

        Receiver(int handshakeRecords) {
            this.handshakeRecords = handshakeRecords;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            try {
                while (b.isReadable()) {
                    int x = b.readUnsignedByte();
                    received.write(x);
                    if (left > 0) {
                        left--;
                    } else {
                        if (headerPos == 0 && x == HANDSHAKE && ++seen == handshakeRecords) {
                            done = true; // as the SslHandler would on the client's Finished: before the next byte
                        }
                        if (headerPos == 3) {
                            left = x << 8;
                        } else if (headerPos == 4) {
                            left |= x;
                        }
                        headerPos = (headerPos + 1) % 5;
                    }
                }
            } finally {
                b.release();
            }
        }
    }

    private static byte[] record(int type, int length) {
        byte[] r = new byte[5 + length];
        r[0] = (byte) type;
        r[1] = 3;
        r[2] = 3;
        r[3] = (byte) (length >> 8);
        r[4] = (byte) length;
        Arrays.fill(r, 5, r.length, (byte) 0x5a);
        return r;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    private static EmbeddedChannel channel(Receiver r) {
        return new EmbeddedChannel(new TlsRenegotiationFilter(() -> r.done), r);
    }

    @Test
    void theHandshakeAndApplicationDataPassUnchanged() {
        Receiver r = new Receiver(3);
        EmbeddedChannel ch = channel(r);
        byte[] bytes = concat(record(HANDSHAKE, 300), record(HANDSHAKE, 70), record(20, 1), record(HANDSHAKE, 40),
                record(APPLICATION_DATA, 1000), record(ALERT, 2), record(APPLICATION_DATA, 0), record(APPLICATION_DATA, 17000));
        ch.writeInbound(Unpooled.wrappedBuffer(bytes));
        assertThat(r.received.toByteArray()).isEqualTo(bytes);
        assertThat(ch.isOpen()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void aHandshakeRecordAfterTheHandshakeClosesTheConnectionAndIsNotPassedOn() {
        Receiver r = new Receiver(1);
        EmbeddedChannel ch = channel(r);
        byte[] before = concat(record(HANDSHAKE, 50), record(APPLICATION_DATA, 100));
        ch.writeInbound(Unpooled.wrappedBuffer(concat(before, record(HANDSHAKE, 200), record(APPLICATION_DATA, 10))));
        assertThat(r.received.toByteArray()).isEqualTo(before);
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void aFinishedAndANewClientHelloInOneReadAreToldApart() {
        Receiver r = new Receiver(2);
        EmbeddedChannel ch = channel(r);
        byte[] handshake = concat(record(HANDSHAKE, 100), record(20, 1), record(HANDSHAKE, 40));
        ch.writeInbound(Unpooled.wrappedBuffer(concat(handshake, record(HANDSHAKE, 150))));
        assertThat(r.received.toByteArray()).isEqualTo(handshake);
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void recordsSplitAnywhereAcrossReadsAreFollowed() {
        Receiver r = new Receiver(1);
        EmbeddedChannel ch = channel(r);
        byte[] allowed = concat(record(HANDSHAKE, 30), record(APPLICATION_DATA, 300), record(ALERT, 2),
                record(APPLICATION_DATA, 1));
        byte[] bytes = concat(allowed, record(HANDSHAKE, 30), record(APPLICATION_DATA, 5));
        int written = 0;
        while (written < bytes.length && ch.isOpen()) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {bytes[written++]}));
        }
        assertThat(written).as("closed at the first byte of the refused record").isEqualTo(allowed.length + 1);
        assertThat(r.received.toByteArray()).isEqualTo(allowed);
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }
}
