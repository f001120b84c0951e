package dev.ferry.server.connection;

import dev.ferry.protocol.Frame;
import dev.ferry.server.hub.Delivery;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A transport without a socket, on the calling thread: it keeps what the connection core hands it. */
final class RecordingTransport implements Transport {
    final List<Frame.Msg> delivered = new ArrayList<>();
    final List<String> written = new ArrayList<>();
    final List<String> closes = new ArrayList<>();
    int interruptions;
    int fellBehind;

    @Override
    public EventExecutor executor() {
        return ImmediateEventExecutor.INSTANCE;
    }

    @Override
    public void deliver(Delivery d) {
        delivered.add(d.msg());
    }

    @Override
    public void write(ByteBuf frame, boolean binary) {
        try {
            written.add(frame.toString(StandardCharsets.UTF_8));
        } finally {
            frame.release();
        }
    }

    @Override
    public void close(int code, String reason) {
        closes.add(code + " " + reason);
    }

    @Override
    public void interrupted() {
        interruptions++;
    }

    @Override
    public void fellBehind() {
        fellBehind++;
    }

    List<Long> offsets() {
        return delivered.stream().map(Frame.Msg::offset).toList();
    }
}
