package dev.ferry.bench.fanout;

import io.netty.buffer.ByteBuf;

/**
 * The frames of one ferry.v1 text message: one or more, separated by LF (docs/protocol.md §2). Every reader of
 * the load generator that speaks ferry.v1 splits its messages here.
 */
public final class LfFrames {
    private LfFrames() {
    }

    /** Receives one frame: the bytes {@code [from, to)} of {@code buf}, with the reader's {@code context}. */
    @FunctionalInterface
    public interface Each<C> {
        void frame(ByteBuf buf, int from, int to, C context);
    }

    /** Hands each frame of {@code message} (from its reader to its writer index) to {@code each}, in order. */
    public static <C> void forEach(ByteBuf message, C context, Each<? super C> each) {
        int from = message.readerIndex();
        int end = message.writerIndex();
        while (from < end) {
            int lf = message.indexOf(from, end, (byte) '\n');
            int to = lf < 0 ? end : lf;
            each.frame(message, from, to, context);
            from = to + 1;
        }
    }
}
