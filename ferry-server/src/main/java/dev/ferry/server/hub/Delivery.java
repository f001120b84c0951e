package dev.ferry.server.hub;

import dev.ferry.protocol.Frame;
import io.netty.buffer.ByteBuf;
import dev.ferry.server.transport.SharedEncodings;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * One publication handed to the subscribers of one event loop: its encoded {@code msg} frame, shared, and
 * encodings derived from it once for all of them, one per encoding key (a protocol and its framing: ferry.v1 in a
 * WebSocket frame, the bare payload text of plain sockets, ...), so that a fan-out to N connections of a loop
 * encodes once per encoding in use, not N times, and a new protocol adds one encoding, not one copy per
 * subscriber.
 *
 * <p>Made by the hub where the publication is dispatched and handed to the loop; used there only, and only during
 * {@link Subscriber#deliver(Delivery)}: the buffers are released when the loop has handed the publication to all
 * its subscribers (or by the hub, when the loop refuses it). A subscriber keeps what it needs with
 * {@link ByteBuf#retainedDuplicate()}.
 */
public final class Delivery implements SharedEncodings {
    private final Frame.Msg msg;
    private final ByteBuf payload;
    private final boolean binary;
    private final boolean lossy;
    /** Derived encodings, key and buffer in turn; most deliveries need none or one. */
    private Object[] derived = NONE;
    private static final Object[] NONE = {};

    Delivery(Frame.Msg msg, ByteBuf payload, boolean binary, boolean lossy) {
        this.msg = msg;
        this.payload = payload;
        this.binary = binary;
        this.lossy = lossy;
    }

    public Frame.Msg msg() {
        return msg;
    }

    /** The encoded {@code msg} frame (not retained for the caller). */
    public ByteBuf payload() {
        return payload;
    }

    public boolean binary() {
        return binary;
    }

    /** Whether the publication is of a lossy topic: a subscriber that is behind may drop it. */
    public boolean lossy() {
        return lossy;
    }

    /**
     * The encoding {@code encoder} derives from the payload (which it must not release), made by the first
     * subscriber that asks for {@code key} and shared with the others (not retained for the caller). Keys are
     * compared by identity: one constant per (protocol, framing).
     */
    public ByteBuf derived(Object key, UnaryOperator<ByteBuf> encoder) {
        return encoded(key, d -> encoder.apply(d.payload));
    }

    @Override
    public ByteBuf shared(Object key, Supplier<ByteBuf> encoder) {
        return encoded(key, d -> encoder.get());
    }

    /**
     * As {@link #derived}, for an encoding made from the whole delivery (its {@link #msg()} as well as its payload):
     * made once per {@code key}, shared, not retained for the caller. The encoder must not release the payload;
     * it may return null for a publication the encoding has no form for, which is remembered too.
     */
    public ByteBuf encoded(Object key, Function<Delivery, ByteBuf> encoder) {
        Object[] d = derived;
        for (int i = 0; i < d.length; i += 2) {
            if (d[i] == key) {
                return (ByteBuf) d[i + 1];
            }
        }
        ByteBuf made = encoder.apply(this);
        Object[] more = java.util.Arrays.copyOf(d, d.length + 2);
        more[d.length] = key;
        more[d.length + 1] = made;
        derived = more;
        return made;
    }

    /**
     * Hands a single publication (a replay, or one held back while a subscription was recovering) to
     * {@code receiver} as a delivery of its own, then releases {@code payload}: the receiver retains what it keeps.
     */
    static void once(Frame.Msg msg, ByteBuf payload, boolean binary, boolean lossy,
                            java.util.function.Consumer<Delivery> receiver) {
        Delivery d = new Delivery(msg, payload, binary, lossy);
        try {
            receiver.accept(d);
        } finally {
            d.release();
        }
    }

    /** Releases what this delivery holds; the hub's part, once every subscriber of the loop had it. */
    void release() {
        payload.release();
        Object[] d = derived;
        for (int i = 1; i < d.length; i += 2) {
            if (d[i] != null) {
                ((ByteBuf) d[i]).release();
            }
        }
    }
}
