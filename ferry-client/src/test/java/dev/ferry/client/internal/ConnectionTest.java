package dev.ferry.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.client.FerryException;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Payload;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The outbound queue against a fake WebSocket whose sends complete only when the test says so. */
class ConnectionTest {
    /** Records sends and fails the test if a second one starts while one is outstanding. */
    static final class FakeSocket implements WebSocket {
        final List<String> sent = new ArrayList<>();
        final List<CompletableFuture<WebSocket>> outstanding = new ArrayList<>();

        private CompletableFuture<WebSocket> start(String what) {
            assertThat(outstanding.stream().filter(f -> !f.isDone())).as("sends outstanding before " + what).isEmpty();
            sent.add(what);
            CompletableFuture<WebSocket> f = new CompletableFuture<>();
            outstanding.add(f);
            return f;
        }

        void completeLast() {
            outstanding.get(outstanding.size() - 1).complete(this);
        }

        @Override
        public CompletableFuture<WebSocket> sendText(CharSequence data, boolean last) {
            return start("text:" + data);
        }

        @Override
        public CompletableFuture<WebSocket> sendBinary(ByteBuffer data, boolean last) {
            return start("binary:" + data.remaining());
        }

        @Override
        public CompletableFuture<WebSocket> sendPing(ByteBuffer message) {
            return start("ping");
        }

        @Override
        public CompletableFuture<WebSocket> sendPong(ByteBuffer message) {
            return start("pong");
        }

        @Override
        public CompletableFuture<WebSocket> sendClose(int statusCode, String reason) {
            return start("close:" + statusCode);
        }

        @Override
        public void request(long n) {
        }

        @Override
        public String getSubprotocol() {
            return "ferry.v1";
        }

        @Override
        public boolean isOutputClosed() {
            return false;
        }

        @Override
        public boolean isInputClosed() {
            return false;
        }

        @Override
        public void abort() {
        }
    }

    static final Connection.Handler IGNORE = new Connection.Handler() {
        @Override
        public void frame(Connection connection, Frame frame) {
        }

        @Override
        public void closed(Connection connection, int closeCode, String reason, Throwable error) {
        }
    };

    private static Frame pub(String topic, String json) {
        return new Frame.Pub(0, topic, Payload.json(json), false);
    }

    @Test
    void oneSendAtATimeAndQueuedTextFramesLeaveAsOneBatch() {
        FakeSocket ws = new FakeSocket();
        Connection c = Connection.over(ws, URI.create("ws://test"), 1 << 20, IGNORE);
        CompletableFuture<Void> a = c.send(pub("t", "1"));
        CompletableFuture<Void> b = c.send(pub("t", "2"));
        CompletableFuture<Void> d = c.send(new Frame.Pub(0, "t", Payload.binary(new byte[3]), false));
        CompletableFuture<Void> e = c.send(pub("t", "3"));
        assertThat(ws.sent).containsExactly("text:{\"type\":\"pub\",\"topic\":\"t\",\"data\":1}");
        assertThat(a).isNotDone();

        ws.completeLast();
        assertThat(a).isCompleted();
        assertThat(ws.sent).hasSize(2);
        assertThat(ws.sent.get(1)).isEqualTo("text:{\"type\":\"pub\",\"topic\":\"t\",\"data\":2}");
        ws.completeLast();
        assertThat(b).isCompleted();
        assertThat(ws.sent.get(2)).startsWith("binary:");
        ws.completeLast();
        assertThat(d).isCompleted();
        ws.completeLast();
        assertThat(e).isCompleted();
        assertThat(ws.sent).hasSize(4);

        // Frames queued behind an outstanding send are merged, LF-separated, into one text message.
        c.send(pub("t", "4"));
        c.send(pub("t", "5"));
        c.send(pub("t", "6"));
        ws.completeLast();
        assertThat(ws.sent.get(ws.sent.size() - 1)).isEqualTo(
                "text:{\"type\":\"pub\",\"topic\":\"t\",\"data\":5}\n{\"type\":\"pub\",\"topic\":\"t\",\"data\":6}");
    }

    @Test
    void aFullQueueRefusesFramesInsteadOfGrowing() {
        FakeSocket ws = new FakeSocket();
        Connection c = Connection.over(ws, URI.create("ws://test"), 100, IGNORE);
        c.send(pub("t", "\"in flight\""));
        CompletableFuture<Void> queued = c.send(pub("t", "\"" + "x".repeat(40) + "\""));
        CompletableFuture<Void> refused = c.send(pub("t", "\"" + "y".repeat(40) + "\""));
        assertThat(queued).isNotDone();
        assertThatThrownBy(refused::join).isInstanceOf(CompletionException.class).cause()
                .isInstanceOfSatisfying(FerryException.class,
                        e -> assertThat(e.code()).isEqualTo(FerryException.SEND_QUEUE_FULL));
        ws.completeLast();
        ws.completeLast();
        assertThat(queued).isCompleted();
        assertThat(c.send(pub("t", "\"" + "z".repeat(40) + "\""))).isNotDone(); // room again
    }

    @Test
    void aFailedSendFailsEverythingQueuedAndReportsTheConnectionClosed() {
        FakeSocket ws = new FakeSocket();
        List<Integer> closes = new ArrayList<>();
        Connection c = Connection.over(ws, URI.create("ws://test"), 1 << 20, new Connection.Handler() {
            @Override
            public void frame(Connection connection, Frame frame) {
            }

            @Override
            public void closed(Connection connection, int closeCode, String reason, Throwable error) {
                closes.add(closeCode);
            }
        });
        CompletableFuture<Void> first = c.send(pub("t", "1"));
        CompletableFuture<Void> second = c.send(pub("t", "2"));
        ws.outstanding.get(0).completeExceptionally(new java.io.IOException("broken pipe"));
        for (CompletableFuture<Void> f : List.of(first, second)) {
            assertThatThrownBy(f::join).cause().isInstanceOfSatisfying(FerryException.class,
                    e -> assertThat(e.code()).isEqualTo(FerryException.CONNECTION_LOST));
        }
        assertThat(closes).containsExactly(ClosePolicy.ABNORMAL);
        assertThat(c.isClosed()).isTrue();
        assertThat(c.send(pub("t", "3"))).isCompletedExceptionally();
    }

    @Test
    void closeLeavesAfterQueuedFrames() {
        FakeSocket ws = new FakeSocket();
        Connection c = Connection.over(ws, URI.create("ws://test"), 1 << 20, IGNORE);
        c.send(pub("t", "1"));
        c.send(pub("t", "2"));
        c.close(1000, "bye");
        assertThat(c.send(pub("t", "3"))).isCompletedExceptionally();
        ws.completeLast();
        ws.completeLast();
        assertThat(ws.sent).hasSize(3);
        assertThat(ws.sent.get(2)).isEqualTo("close:1000");
    }
}
