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

    /** Decodes the delivery's shared encoding, which must be the publication's {@code msg} frame. */
    @Override
    public void deliver(Delivery d) {
        ByteBuf frame = d.payload();
        try {
            Frame.Msg decoded = (Frame.Msg) FrameCodec.decodeText(frame.toString(StandardCharsets.UTF_8));
            if (decoded.offset() != d.msg().offset() || !decoded.topic().equals(d.msg().topic())) {
                throw new AssertionError(decoded + " encoded for " + d.msg());
            }
            msgs.add(decoded);
        } catch (Exception e) {
            throw new AssertionError(ByteBufUtil.prettyHexDump(frame), e);
        }
    }

    @Override
    public void write(ByteBuf frame, boolean binary) {
        frame.release();
    }

    /** The offsets of the messages received, in order. */
    List<Long> offsets() {
        return msgs.stream().map(Frame.Msg::offset).toList();
    }
}
