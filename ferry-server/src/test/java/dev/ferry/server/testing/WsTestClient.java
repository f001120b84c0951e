package dev.ferry.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The test WebSocket client, on the JDK's {@code java.net.http.WebSocket}: an implementation independent of the
 * server's Netty code. A ferry.v1 connection ({@link #connect}) splits text messages into JSON frames on LF; a plain
 * one ({@link #plain}, for the multiplexer, per-topic, index and tunnel sockets) keeps each text message whole.
 * Binary messages are kept whole either way.
 *
 * <p>Received messages wait in an inbox that the test reads ({@link #next}, {@link #nextJson}). A ferry.v1 connection
 * opened with {@link #listening} hands its frames to a callback instead, as a client that runs beside the test does
 * (the failover test's publishers and followers): an answer ({@code result} or {@code error}) to a
 * {@link #request} completes that request's future, every other frame goes to the callback.
 */
public final class WsTestClient implements AutoCloseable {
    /**
     * How long a test waits for an answer that should come at once: generous, because on a busy shared machine a
     * healthy answer can take seconds; a passing test never waits for it.
     */
    public static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One received message: a text (on a ferry.v1 connection, one LF-separated frame of it, with {@code json} its
     * parsed form), a binary message, or the close (code != 0).
     */
    public record Received(String text, JsonNode json, byte[] binary, int closeCode, String closeReason) {
        public boolean isClose() {
            return closeCode != 0;
        }

        public String type() {
            return json == null ? null : json.path("type").asText(null);
        }
    }

    /** The server refused the upgrade with this HTTP status and body. */
    public record Refusal(int status, String body) {
    }

    private final BlockingQueue<Received> inbox = new LinkedBlockingQueue<>();
    /** Whether text messages are kept whole instead of split into ferry.v1 frames. */
    private final boolean plain;
    private final CompletableFuture<Received> closed = new CompletableFuture<>();
    /** Where a {@link #listening} connection hands the frames that answer no request; null: the inbox. */
    private final Consumer<JsonNode> onPush;
    /** The {@link #request}s waiting for their answer, by id. */
    private final java.util.Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final WebSocket ws;
    private volatile boolean autoRead = true;

    private WsTestClient(URI uri, String... subprotocols) {
        this(false, HttpClient.newHttpClient(), uri, java.util.Map.of(), subprotocols);
    }

    private WsTestClient(boolean plain, HttpClient http, URI uri, java.util.Map<String, String> headers,
                         String... subprotocols) {
        this(plain, null, TIMEOUT, http, uri, headers, subprotocols);
    }

    private WsTestClient(boolean plain, Consumer<JsonNode> onPush, Duration connectTimeout, HttpClient http, URI uri,
                         java.util.Map<String, String> headers, String... subprotocols) {
        this.plain = plain;
        this.onPush = onPush;
        WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(connectTimeout);
        headers.forEach(b::header);
        if (subprotocols.length > 0) {
            String[] rest = new String[subprotocols.length - 1];
            System.arraycopy(subprotocols, 1, rest, 0, rest.length);
            b.subprotocols(subprotocols[0], rest);
        }
        ws = b.buildAsync(uri, new Listener()).orTimeout(connectTimeout.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    /**
     * Opens a ferry.v1 connection, or fails within {@code connectTimeout}, whose frames that answer no
     * {@link #request} go to {@code onPush} (on the receiving thread, in order; a frame that is not JSON arrives as
     * a text node {@code UNPARSEABLE:<text>}) instead of the inbox. The close still arrives as {@link #closed()}.
     */
    public static WsTestClient listening(HttpClient http, URI uri, Consumer<JsonNode> onPush, Duration connectTimeout) {
        return new WsTestClient(false, java.util.Objects.requireNonNull(onPush), connectTimeout, http, uri,
                java.util.Map.of(), "ferry.v1");
    }

    /** Opens a ferry.v1 connection. */
    public static WsTestClient connect(URI uri) {
        return new WsTestClient(uri, "ferry.v1");
    }

    /** Opens a ferry.v1 connection with the given HTTP client (e.g. one that trusts a test certificate). */
    public static WsTestClient connect(HttpClient http, URI uri) {
        return new WsTestClient(false, http, uri, java.util.Map.of(), "ferry.v1");
    }

    /** Opens a ferry.v1 connection with the given HTTP client, whose upgrade request carries these headers. */
    public static WsTestClient connect(HttpClient http, URI uri, java.util.Map<String, String> headers) {
        return new WsTestClient(false, http, uri, headers, "ferry.v1");
    }

    /** Opens a ferry.v1 connection whose upgrade request carries these headers (e.g. Authorization, Cookie). */
    public static WsTestClient connect(URI uri, java.util.Map<String, String> headers) {
        return new WsTestClient(false, HttpClient.newHttpClient(), uri, headers, "ferry.v1");
    }

    /** Opens a plain WebSocket (no subprotocol), whose text messages are kept whole. */
    public static WsTestClient plain(URI uri) {
        return plain(uri, java.util.Map.of());
    }

    /** Opens a plain WebSocket with these extra request headers (e.g. Origin) and offered subprotocols. */
    public static WsTestClient plain(URI uri, java.util.Map<String, String> headers, String... subprotocols) {
        return new WsTestClient(true, HttpClient.newHttpClient(), uri, headers, subprotocols);
    }

    /** Attempts an upgrade that the server should refuse, and returns the refusal. */
    public static Refusal refused(URI uri, java.util.Map<String, String> headers, String... subprotocols) {
        try {
            plain(uri, headers, subprotocols).close();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof java.net.http.WebSocketHandshakeException h) {
                Object body = h.getResponse().body();
                return new Refusal(h.getResponse().statusCode(), body == null ? "" : body.toString());
            }
            throw e;
        }
        throw new AssertionError("the upgrade to " + uri + " was accepted");
    }

    /** Opens a connection offering exactly these subprotocols (none for a bare upgrade). */
    public static WsTestClient connect(URI uri, String... subprotocols) {
        return new WsTestClient(uri, subprotocols);
    }

    public WebSocket webSocket() {
        return ws;
    }

    /**
     * Stops requesting messages from the socket (as a subscriber that no longer reads); the server sees TCP
     * backpressure.
     */
    public void stopReading() {
        autoRead = false;
    }

    /** Reads again after {@link #stopReading()}. */
    public void resumeReading() {
        autoRead = true;
        ws.request(1);
    }

    /** Sends one text message; one at a time, as the JDK's WebSocket requires of concurrent senders. */
    public synchronized WsTestClient send(String text) {
        ws.sendText(text, true).orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
        return this;
    }

    /**
     * Sends a ferry.v1 request, given as a JSON object without its {@code id} (which this fills in); completes with
     * its answer ({@code result} or {@code error} of that id), or fails after {@link #TIMEOUT} or when the
     * connection ends first. The answer bypasses the inbox and the {@link #listening} callback.
     */
    public CompletableFuture<JsonNode> request(String frameWithoutId) {
        long id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        if (closed.isDone()) {
            ended();
        }
        send("{\"id\":" + id + "," + frameWithoutId.substring(1));
        return answer.orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Completes with the close (code and reason; 1006 when the connection failed) when the connection ends. */
    public CompletableFuture<Received> closed() {
        return closed;
    }

    /** The connection ended: the requests still waiting fail. */
    private void ended() {
        for (Long id : pending.keySet()) {
            CompletableFuture<JsonNode> answer = pending.remove(id);
            if (answer != null) {
                answer.completeExceptionally(new IllegalStateException("the connection ended"));
            }
        }
    }

    public synchronized WsTestClient sendBinary(byte[] bytes) {
        ws.sendBinary(ByteBuffer.wrap(bytes), true).orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
        return this;
    }

    /** A binary message: the frame's header (JSON without its payload member), LF, the payload. */
    public static byte[] binaryFrame(String header, byte[] payload) {
        byte[] h = (header + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] message = java.util.Arrays.copyOf(h, h.length + payload.length);
        System.arraycopy(payload, 0, message, h.length, payload.length);
        return message;
    }

    /** The header of a binary message (what comes before its first LF), parsed. */
    public static JsonNode header(byte[] binaryMessage) {
        int lf = 0;
        while (binaryMessage[lf] != '\n') {
            lf++;
        }
        try {
            return JSON.readTree(binaryMessage, 0, lf);
        } catch (java.io.IOException e) {
            throw new AssertionError("a binary message whose header is not JSON", e);
        }
    }

    /** The next received message, failing after {@link #TIMEOUT}. */
    public Received next() {
        try {
            Received r = inbox.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (r == null) {
                throw new AssertionError("nothing received within " + TIMEOUT);
            }
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next text (a whole message on a plain connection); fails on a binary message or a close. */
    public String nextText() {
        Received r = next();
        if (r.text() == null) {
            throw new AssertionError("expected text, got " + (r.isClose() ? "close " + r.closeCode() + " " + r.closeReason() : "a binary message"));
        }
        return r.text();
    }

    /** The next JSON frame; fails on a binary message or a close. */
    public JsonNode nextJson() {
        Received r = next();
        if (r.json() == null) {
            throw new AssertionError("expected a JSON frame, got " + (r.isClose() ? "close " + r.closeCode() + " " + r.closeReason() : "a binary message"));
        }
        return r.json();
    }

    /** Skips frames until one matches, failing after {@link #TIMEOUT}. */
    public JsonNode nextJson(Predicate<JsonNode> match) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode n = nextJson();
            if (match.test(n)) {
                return n;
            }
        }
        throw new AssertionError("no matching frame within " + TIMEOUT);
    }

    /** Whether nothing arrives within {@code quiet}. Use only to check for absence, after a positive check. */
    public boolean nothingWithin(Duration quiet) throws InterruptedException {
        Received r = inbox.poll(quiet.toMillis(), TimeUnit.MILLISECONDS);
        if (r != null) {
            inbox.add(r);
            return false;
        }
        return true;
    }

    /** Waits for the server's close and returns it. */
    public Received awaitClose() {
        return closed.orTimeout(TIMEOUT.toMillis() * 3, TimeUnit.MILLISECONDS).join();
    }

    @Override
    public void close() {
        if (!ws.isOutputClosed()) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
        ws.abort();
        ended();
    }

    /** Hands a received ferry.v1 frame to the request it answers, the {@link #listening} callback or the inbox. */
    private void received(String line, JsonNode json) {
        String type = json.path("type").asText();
        if ((type.equals("result") || type.equals("error")) && json.has("id")) {
            CompletableFuture<JsonNode> answer = pending.remove(json.path("id").asLong());
            if (answer != null) {
                answer.complete(json);
                return;
            }
        }
        if (onPush != null) {
            onPush.accept(json);
        } else {
            inbox.add(new Received(line, json, null, 0, null));
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last && plain) {
                inbox.add(new Received(text.toString(), null, null, 0, null));
                text.setLength(0);
            } else if (last) {
                for (String line : text.toString().split("\n")) {
                    if (!line.isBlank()) {
                        JsonNode json;
                        try {
                            json = JSON.readTree(line);
                        } catch (Exception e) {
                            json = JSON.getNodeFactory().textNode("UNPARSEABLE:" + line);
                        }
                        received(line, json);
                    }
                }
                text.setLength(0);
            }
            more(webSocket);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            binary.write(b, 0, b.length);
            if (last) {
                inbox.add(new Received(null, null, binary.toByteArray(), 0, null));
                binary.reset();
            }
            more(webSocket);
            return null;
        }

        private void more(WebSocket webSocket) {
            if (autoRead) {
                webSocket.request(1);
            }
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            Received r = new Received(null, null, null, statusCode, reason);
            inbox.add(r);
            closed.complete(r);
            ended();
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            Received r = new Received(null, null, null, 1006, String.valueOf(error));
            inbox.add(r);
            closed.complete(r);
            ended();
        }
    }
}
