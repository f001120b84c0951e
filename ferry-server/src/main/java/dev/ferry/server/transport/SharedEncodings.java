package dev.ferry.server.transport;

import io.netty.buffer.ByteBuf;
import java.util.function.Supplier;

/**
 * The encodings of one publication that the connections of one event loop share (the hub's delivery): each made
 * once, by the first connection that asks for its key. Event loop only.
 */
public interface SharedEncodings {
    /**
     * The encoding under {@code key} (compared by identity), made by {@code encoder} for the first that asks and
     * shared with the others; not retained for the caller.
     */
    ByteBuf shared(Object key, Supplier<ByteBuf> encoder);
}
