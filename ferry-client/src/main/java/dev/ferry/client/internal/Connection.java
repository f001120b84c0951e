package dev.ferry.client.internal;

import dev.ferry.client.FerryException;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.ProtocolException;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ferry.v1 WebSocket connection.
 *
 * <p>Inbound: reassembles fragmented text and binary messages, splits text messages into their LF-separated frames
 * (docs/protocol.md §2) and hands each frame to the {@link Handler} on the WebSocket's listener thread. Reading is
 * paced with {@code request(1)}: the next message is requested only while fewer than {@link #HIGH_WATER} frames
 * handed to the dispatcher are still unprocessed (see {@link #taskQueued()}).
 *
 * <p>Outbound: {@code java.net.http.WebSocket} allows one outstanding send at a time, so frames go through a
 * queue; while a send is in flight, text frames accumulate and leave as one LF-separated batch.
 *
 * <p>Lifecycle: {@link #open}, then frames*, then {@link Handler#closed} exactly once, whoever closes.
 */
public final class Connection {
    public static final String SUBPROTOCOL = "ferry.v1";
    /** Frames waiting for the dispatcher above which reading pauses. */
    static final int HIGH_WATER = 1024;
    /** Resume reading once the dispatcher is down to this many. */
    static final int LOW_WATER = 256;
    /** Largest batch of text frames merged into one message (a single bigger frame still goes alone). */
    static final int MAX_BATCH_BYTES = 64 * 1024;

    private static final Logger log = LoggerFactory.getLogger(Connection.class);

    /** Receives what arrives on a connection. Called on the WebSocket's listener thread; must not block. */
    public interface Handler {
        void frame(Connection connection, Frame frame);

        /** Exactly once per connection. {@code error} is non-null when it broke rather than closed. */
        void closed(Connection connection, int closeCode, String reason, Throwable error);
    }

    private final URI uri;
    private final Handler handler;
    private final long maxQueuedBytes;
    private final AtomicBoolean closedReported = new AtomicBoolean();
    private final CompletableFuture<Void> closedFuture = new CompletableFuture<>();
    private volatile WebSocket ws;
    private volatile long goAwayMs = -1;

    // ---- outbound, guarded by "outbox"
    private final ArrayDeque<Outgoing> outbox = new ArrayDeque<>();
    private boolean sending;
    private boolean outputClosed;
    private long queuedBytes;

    // ---- inbound flow control, guarded by "flow"
    private final Object flow = new Object();
    private int queuedTasks;
    private boolean paused;

    /** For tests: a connection over an already open (or fake) WebSocket. */
    static Connection over(WebSocket ws, URI uri, long maxQueuedBytes, Handler handler) {
        Connection c = new Connection(uri, handler, maxQueuedBytes);
        c.ws = ws;
        return c;
    }

    private Connection(URI uri, Handler handler, long maxQueuedBytes) {
        this.uri = uri;
        this.handler = handler;
        this.maxQueuedBytes = maxQueuedBytes;
    }

    /**
     * Opens a connection offering the ferry.v1 subprotocol. Fails with a {@link FerryException} (connect_failed).
     *
     * @param maxQueuedBytes bound on encoded frames waiting to be sent; a frame that would exceed it is refused
     *     ({@link FerryException#SEND_QUEUE_FULL}) rather than queued
     */
    public static CompletableFuture<Connection> open(HttpClient http, URI uri, Duration connectTimeout,
                                                     long maxQueuedBytes, Handler handler) {
        Connection c = new Connection(uri, handler, maxQueuedBytes);
        CompletableFuture<WebSocket> opening;
        try {
            opening = http.newWebSocketBuilder()
                    .subprotocols(SUBPROTOCOL)
                    .connectTimeout(connectTimeout)
                    .buildAsync(uri, c.new Listener());
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new FerryException(FerryException.CONNECT_FAILED,
                    "cannot connect to " + uri + ": " + e.getMessage(), null, e));
        }
        return opening
                .orTimeout(connectTimeout.toMillis() * 2, TimeUnit.MILLISECONDS)
                .handle((ws, error) -> {
                    if (error != null) {
                        throw new CompletionException(connectFailure(uri, unwrap(error)));
                    }
                    if (!SUBPROTOCOL.equals(ws.getSubprotocol())) {
                        ws.abort();
                        throw new CompletionException(new FerryException(FerryException.CONNECT_FAILED,
                                uri + " did not accept the " + SUBPROTOCOL + " subprotocol (got \"" + ws.getSubprotocol() + "\")"));
                    }
                    c.ws = ws;
                    return c;
                });
    }

    private static FerryException connectFailure(URI uri, Throwable error) {
        String why;
        if (error instanceof WebSocketHandshakeException h) {
            Object body = h.getResponse().body();
            why = "upgrade refused with HTTP " + h.getResponse().statusCode()
                    + (body instanceof String s && !s.isBlank() ? ": " + s.strip() : "");
        } else if (error instanceof java.util.concurrent.TimeoutException
                || error instanceof java.net.http.HttpTimeoutException) {
            why = "timed out";
        } else if (error instanceof java.net.ConnectException) {
            why = "connection refused";
        } else {
            why = error.getMessage() != null ? error.getMessage() : error.getClass().getSimpleName();
        }
        return new FerryException(FerryException.CONNECT_FAILED, "cannot connect to " + uri + ": " + why, null, error);
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    public URI uri() {
        return uri;
    }

    /** The server's {@code reconnect_ms} from a {@code goaway}, or -1 when none came. */
    public long goAwayMs() {
        return goAwayMs;
    }

    /** Records a {@code goaway}: the server will close this connection soon. */
    public void goAway(long reconnectMs) {
        goAwayMs = Math.max(0, reconnectMs);
    }

    /** Whether the connection has closed (its {@link Handler#closed} call may still be running). */
    public boolean isClosed() {
        return closedReported.get();
    }

    /** Completes once the connection has closed, whichever side closed it. */
    public CompletableFuture<Void> closedFuture() {
        return closedFuture;
    }

    // ------------------------------------------------------------ outbound

    private record Outgoing(byte[] bytes, boolean binary, int closeCode, String closeReason,
                            CompletableFuture<Void> sent) {
        boolean isClose() {
            return closeCode != 0;
        }
    }

    /** Queues one frame; the future completes once it has been handed to the socket. */
    public CompletableFuture<Void> send(Frame frame) {
        return enqueue(new Outgoing(FrameCodec.encode(frame), FrameCodec.isBinary(frame), 0, null,
                new CompletableFuture<>()));
    }

    /** Sends a close frame after everything queued before it, then waits for the server's close. */
    public CompletableFuture<Void> close(int code, String reason) {
        return enqueue(new Outgoing(null, false, code, reason, new CompletableFuture<>()));
    }

    /** Drops the connection at once. */
    public void abort() {
        WebSocket w = ws;
        if (w != null) {
            w.abort();
        }
        reportClosed(ClosePolicy.ABNORMAL, "aborted", null);
    }

    private CompletableFuture<Void> enqueue(Outgoing o) {
        synchronized (outbox) {
            if (outputClosed) {
                o.sent.completeExceptionally(new FerryException(FerryException.CONNECTION_LOST,
                        "connection to " + uri + " is closed"));
                return o.sent;
            }
            if (o.isClose()) {
                outputClosed = true;
            } else if (queuedBytes + o.bytes.length > maxQueuedBytes && queuedBytes > 0) {
                // Policy when full: refuse the new frame and tell the caller, who can slow down or retry.
                o.sent.completeExceptionally(new FerryException(FerryException.SEND_QUEUE_FULL,
                        "more than " + maxQueuedBytes + " bytes are waiting to be sent to " + uri));
                return o.sent;
            } else {
                queuedBytes += o.bytes.length;
            }
            outbox.add(o);
            if (sending) {
                return o.sent;
            }
            sending = true;
        }
        pump();
        return o.sent;
    }

    /** Sends batches until the queue is empty or a send is in flight. */
    private void pump() {
        while (true) {
            List<Outgoing> batch = nextBatch();
            if (batch == null) {
                return;
            }
            CompletableFuture<WebSocket> write = write(batch);
            if (write.isDone()) {
                if (!settle(batch, write)) {
                    return;
                }
                continue;
            }
            write.whenComplete((w, e) -> {
                if (settle(batch, write)) {
                    pump();
                }
            });
            return;
        }
    }

    private List<Outgoing> nextBatch() {
        synchronized (outbox) {
            Outgoing first = outbox.poll();
            if (first == null) {
                sending = false;
                return null;
            }
            List<Outgoing> batch = new ArrayList<>(4);
            batch.add(first);
            if (first.isClose()) {
                return batch;
            }
            queuedBytes -= first.bytes.length;
            if (first.binary) {
                return batch;
            }
            int size = first.bytes.length;
            for (Outgoing next = outbox.peek(); next != null && !next.binary && !next.isClose()
                    && size + 1 + next.bytes.length <= MAX_BATCH_BYTES; next = outbox.peek()) {
                batch.add(outbox.poll());
                size += 1 + next.bytes.length;
                queuedBytes -= next.bytes.length;
            }
            return batch;
        }
    }

    private CompletableFuture<WebSocket> write(List<Outgoing> batch) {
        Outgoing first = batch.get(0);
        try {
            if (first.isClose()) {
                return ws.sendClose(first.closeCode, first.closeReason);
            }
            if (first.binary) {
                return ws.sendBinary(ByteBuffer.wrap(first.bytes), true);
            }
            if (batch.size() == 1) {
                return ws.sendText(new String(first.bytes, StandardCharsets.UTF_8), true);
            }
            ByteArrayOutputStream joined = new ByteArrayOutputStream();
            for (int i = 0; i < batch.size(); i++) {
                if (i > 0) {
                    joined.write(FrameCodec.LF);
                }
                joined.writeBytes(batch.get(i).bytes);
            }
            return ws.sendText(joined.toString(StandardCharsets.UTF_8), true);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Completes the batch's futures; returns false (and fails everything queued) when the send failed. */
    private boolean settle(List<Outgoing> batch, CompletableFuture<WebSocket> write) {
        Throwable error = null;
        try {
            write.join();
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
            error = unwrap(e);
        }
        if (error == null) {
            batch.forEach(o -> o.sent.complete(null));
            return true;
        }
        FerryException failure = new FerryException(FerryException.CONNECTION_LOST,
                "cannot send to " + uri + ": " + error.getMessage(), null, error);
        batch.forEach(o -> o.sent.completeExceptionally(failure));
        List<Outgoing> rest;
        synchronized (outbox) {
            outputClosed = true;
            sending = false;
            rest = new ArrayList<>(outbox);
            outbox.clear();
            queuedBytes = 0;
        }
        rest.forEach(o -> o.sent.completeExceptionally(failure));
        if (!batch.get(0).isClose()) {
            log.debug("send to {} failed; dropping the connection", uri, error);
            WebSocket w = ws;
            if (w != null) {
                w.abort();
            }
            reportClosed(ClosePolicy.ABNORMAL, "send failed", error);
        }
        return false;
    }

    // ------------------------------------------------------------ inbound flow control

    /** A frame of this connection was handed to the dispatcher. */
    public void taskQueued() {
        synchronized (flow) {
            queuedTasks++;
        }
    }

    /** The dispatcher finished a frame of this connection; resumes reading when the backlog has shrunk. */
    public void taskDone() {
        boolean resume;
        synchronized (flow) {
            queuedTasks--;
            resume = paused && queuedTasks <= LOW_WATER;
            if (resume) {
                paused = false;
            }
        }
        if (resume) {
            ws.request(1);
        }
    }

    private void messageHandled(WebSocket w) {
        synchronized (flow) {
            if (queuedTasks >= HIGH_WATER) {
                paused = true;
                return;
            }
        }
        w.request(1);
    }

    private void reportClosed(int code, String reason, Throwable error) {
        if (closedReported.compareAndSet(false, true)) {
            synchronized (outbox) {
                outputClosed = true;
            }
            try {
                handler.closed(this, code, reason, error);
            } finally {
                closedFuture.complete(null);
            }
        }
    }

    private final class Listener implements WebSocket.Listener {
        // ---- listener thread only (the JDK calls a listener sequentially)
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

        @Override
        public void onOpen(WebSocket webSocket) {
            ws = webSocket;
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (!last) {
                webSocket.request(1); // a fragment: the rest of the message must arrive before anything else
                return null;
            }
            byte[] message = text.toString().getBytes(StandardCharsets.UTF_8);
            text.setLength(0);
            FrameCodec.decodeText(message, new FrameCodec.Sink() {
                @Override
                public void frame(Frame frame) {
                    deliver(frame);
                }

                @Override
                public void error(ProtocolException error) {
                    log.warn("ignoring a malformed frame from {}: {}", uri, error.getMessage());
                }
            });
            messageHandled(webSocket);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] chunk = new byte[data.remaining()];
            data.get(chunk);
            binary.writeBytes(chunk);
            if (!last) {
                webSocket.request(1);
                return null;
            }
            byte[] message = binary.toByteArray();
            binary.reset();
            try {
                deliver(FrameCodec.decodeBinary(message));
            } catch (ProtocolException e) {
                log.warn("ignoring a malformed binary message from {}: {}", uri, e.getMessage());
            }
            messageHandled(webSocket);
            return null;
        }

        private void deliver(Frame frame) {
            try {
                handler.frame(Connection.this, frame);
            } catch (RuntimeException e) {
                log.warn("error handling a {} frame from {}", frame.type(), uri, e);
            }
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            reportClosed(statusCode, reason, null);
            return null; // the JDK then answers with a close frame of its own, completing the handshake
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            reportClosed(ClosePolicy.ABNORMAL, error.getMessage(), error);
        }
    }
}
