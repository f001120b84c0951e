package dev.ferry.server.tunnel;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The WebSocket masking of RFC 6455 §5.3, done where the bytes lie: payload byte {@code i} is XOR-ed with byte
 * {@code i mod 4} of the 32-bit key (most significant first). Masking twice with one key restores the bytes, so the
 * same call masks (the tunnel client's frames) and unmasks (the gateway's reading of them).
 */
public final class Masking {
    private Masking() {
    }

    /**
     * XORs {@code length} bytes of {@code buf} from {@code index} with {@code key}, the first of them with the key's
     * most significant byte. The buffer must be writable and held by nobody else.
     */
    public static void xor(ByteBuf buf, int index, int length, int key) {
        if (buf.nioBufferCount() == 1) {
            xor(buf.nioBuffer(index, length), key);
            return;
        }
        for (int i = 0; i < length; i++) {
            buf.setByte(index + i, buf.getByte(index + i) ^ key >>> 24 - 8 * (i & 3));
        }
    }

    /** The key for the bytes of a frame's payload from {@code offset} on: {@code key} turned by the offset's bytes. */
    public static int keyAt(int key, long offset) {
        return Integer.rotateLeft(key, 8 * (int) (offset & 3));
    }

    /** XORs every byte of {@code payload} (a view of the memory to mask) with the key, 8 bytes at a time. */
    static void xor(ByteBuffer payload, int key) {
        ByteBuffer b = payload.order(ByteOrder.nativeOrder());
        // the key repeated over 8 bytes, read in the order the loop reads the payload
        long wide = ByteBuffer.allocate(8).putInt(key).putInt(key).order(ByteOrder.nativeOrder()).getLong(0);
        int n = b.remaining();
        int base = b.position();
        int i = 0;
        for (int end = n & ~7; i < end; i += 8) {
            b.putLong(base + i, b.getLong(base + i) ^ wide);
        }
        for (; i < n; i++) {
            b.put(base + i, (byte) (b.get(base + i) ^ key >>> 24 - 8 * (i & 3)));
        }
    }
}
