package dev.ferry.server.hub;

import dev.ferry.protocol.Frame;
import io.netty.buffer.ByteBuf;
import java.util.function.UnaryOperator;

/**
 * One publication handed to the subscribers of one event loop: its encoded {@code msg} frame, shared, and
 * encodings derived from it once for all of them (a transport's framing of the same bytes), so that a fan-out to
 * N connections of a loop encodes once, not N times.
 *
 * <p>Made by the hub where the publication is dispatched and handed to the loop; used there only, and only during
 * {@link Subscriber#deliver(Delivery)}: the buffers are released when the loop has handed the publication to all
 * its subscribers (or by the hub, when the loop refuses it). A subscriber keeps what it needs with
 * {@link ByteBuf#retainedDuplicate()}.
 */
public final class Delivery {
    private final Frame.Msg msg;
    private final ByteBuf payload;
    private final boolean binary;
    private final boolean lossy;
    private Object derivedKey;
    private ByteBuf derived;

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
     * subscriber that asks and shared with the others (not retained for the caller). {@code key} names the
     * encoding; one kind of derived encoding is kept per delivery.
     */
    public ByteBuf derived(Object key, UnaryOperator<ByteBuf> encoder) {
        if (derived == null) {
            derived = encoder.apply(payload);
            derivedKey = key;
        } else if (derivedKey != key) {
            throw new IllegalStateException("a delivery keeps one derived encoding: " + derivedKey + ", not " + key);
        }
        return derived;
    }

    /** Releases what this delivery holds; the hub's part, once every subscriber of the loop had it. */
    void release() {
        payload.release();
        if (derived != null) {
            derived.release();
        }
    }
}
