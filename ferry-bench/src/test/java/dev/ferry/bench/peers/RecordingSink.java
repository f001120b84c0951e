package dev.ferry.bench.peers;

import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A {@link PeerSink} that keeps what a session reported; {@link #release()} frees the frames it was sent. */
final class RecordingSink implements PeerSink {
    final List<WebSocketFrame> sent = new ArrayList<>();
    final List<Long> deliveries = new ArrayList<>();
    final List<String> errors = new ArrayList<>();
    int ready;
    int subscribed;

    @Override
    public void send(WebSocketFrame frame) {
        sent.add(frame);
    }

    @Override
    public void ready() {
        ready++;
    }

    @Override
    public void subscribed() {
        subscribed++;
    }

    @Override
    public void delivery(long intendedNanos) {
        deliveries.add(intendedNanos);
    }

    @Override
    public void error(String what) {
        errors.add(what);
    }

    /** The text of sent frame {@code i} (binary frames as ISO-8859-1, byte for byte). */
    String sentText(int i) {
        return sent.get(i).content().toString(StandardCharsets.ISO_8859_1);
    }

    void release() {
        sent.forEach(WebSocketFrame::release);
        sent.clear();
    }
}
