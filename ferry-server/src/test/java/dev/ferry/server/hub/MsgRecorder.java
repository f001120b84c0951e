package dev.ferry.server.hub;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A subscriber of the hub tests: on the calling thread, it decodes and keeps every {@code msg} delivered to it. */
final class MsgRecorder implements Subscriber {
    final List<Frame.Msg> msgs = new ArrayList<>();

    @Override
    public EventExecutor executor() {
        return ImmediateEventExecutor.INSTANCE;
    }

    @Override
    public void deliver(ByteBuf frame, boolean binary) {
        try {
            msgs.add((Frame.Msg) FrameCodec.decodeText(frame.toString(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new AssertionError(ByteBufUtil.prettyHexDump(frame), e);
        } finally {
            frame.release();
        }
    }

    /** The offsets of the messages received, in order. */
    List<Long> offsets() {
        return msgs.stream().map(Frame.Msg::offset).toList();
    }
}
