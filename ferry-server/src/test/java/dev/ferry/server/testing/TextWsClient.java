package dev.ferry.server.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A plain WebSocket test client (no subprotocol, messages kept whole) on the JDK's WebSocket, for the endpoints
 * that are not ferry.v1: the multiplexer and the per-topic sockets.
 */
public final class TextWsClient implements AutoCloseable {
    public static final Duration TIMEOUT = WsTestClient.TIMEOUT;

    /** One received message: text, binary, or the close (code != 0). */
    public record Message(String text, byte[] binary, int closeCode, String closeReason) {
        public boolean isClose() {
            return closeCode != 0;
        }
    }

    /** The server refused the upgrade with this HTTP status and body. */
    public record Refusal(int status, String body) {
    }

    private final BlockingQueue<Message> inbox = new LinkedBlockingQueue<>();
    private final WebSocket ws;

    private TextWsClient(WebSocket.Builder b, URI uri) {
        ws = b.buildAsync(uri, new Listener()).orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    public static TextWsClient connect(URI uri) {
        return connect(uri, Map.of());
    }

    /** Opens a plain WebSocket sending these extra request headers (e.g. Origin). */
    public static TextWsClient connect(URI uri, Map<String, String> headers, String... subprotocols) {
        WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(TIMEOUT);
        headers.forEach(b::header);
        if (subprotocols.length > 0) {
            b.subprotocols(subprotocols[0], java.util.Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
        }
        return new TextWsClient(b, uri);
    }

    /** Attempts an upgrade that the server should refuse, and returns the refusal. */
    public static Refusal refused(URI uri, Map<String, String> headers, String... subprotocols) {
        try {
            connect(uri, headers, subprotocols).close();
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) {
                Object body = h.getResponse().body();
                return new Refusal(h.getResponse().statusCode(), body == null ? "" : body.toString());
            }
            throw e;
        }
        throw new AssertionError("the upgrade to " + uri + " was accepted");
    }

    public TextWsClient send(String text) {
        ws.sendText(text, true).orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
        return this;
    }

    public TextWsClient sendBinary(byte[] bytes) {
        ws.sendBinary(ByteBuffer.wrap(bytes), true).orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
        return this;
    }

    public Message next() {
        try {
            Message m = inbox.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (m == null) {
                throw new AssertionError("nothing received within " + TIMEOUT);
            }
            return m;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next text message; fails on anything else. */
    public String nextText() {
        Message m = next();
        if (m.text() == null) {
            throw new AssertionError("expected text, got " + (m.isClose() ? "close " + m.closeCode() + " " + m.closeReason() : "binary"));
        }
        return m.text();
    }

    /** Skips messages until the close arrives. */
    public Message awaitClose() {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Message m = next();
            if (m.isClose()) {
                return m;
            }
        }
        throw new AssertionError("no close within " + TIMEOUT);
    }

    /** Whether nothing arrives within {@code quiet}. */
    public boolean nothingWithin(Duration quiet) throws InterruptedException {
        Message m = inbox.poll(quiet.toMillis(), TimeUnit.MILLISECONDS);
        if (m != null) {
            inbox.add(m);
            return false;
        }
        return true;
    }

    @Override
    public void close() {
        if (!ws.isOutputClosed()) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
        ws.abort();
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();
        private final java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();
        private final CompletableFuture<Void> done = new CompletableFuture<>();

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                inbox.add(new Message(text.toString(), null, 0, null));
                text.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            binary.write(b, 0, b.length);
            if (last) {
                inbox.add(new Message(null, binary.toByteArray(), 0, null));
                binary.reset();
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            inbox.add(new Message(null, null, statusCode, reason));
            done.complete(null);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            inbox.add(new Message(null, null, 1006, String.valueOf(error)));
        }
    }
}
