package dev.ferry.cli.failover;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * An independent ferry.v1 client written from docs/protocol.md over the JDK's WebSocket: frames are JSON texts;
 * a {@code result} or {@code error} with an {@code id} answers the request of that id, every other frame goes to
 * {@code onPush} (on the receiving thread, in order). {@link #closed} completes when the connection ends, however.
 */
final class V1Connection implements WebSocket.Listener, AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);

    private final Consumer<JsonNode> onPush;
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final StringBuilder partial = new StringBuilder();
    final CompletableFuture<Void> closed = new CompletableFuture<>();
    private WebSocket ws;

    private V1Connection(Consumer<JsonNode> onPush) {
        this.onPush = onPush;
    }

    /** Connects, or fails within {@code timeout}. */
    static V1Connection open(HttpClient http, URI uri, Consumer<JsonNode> onPush, Duration timeout) {
        V1Connection c = new V1Connection(onPush);
        c.ws = http.newWebSocketBuilder().subprotocols("ferry.v1").connectTimeout(timeout)
                .buildAsync(uri, c).orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).join();
        return c;
    }

    /** Sends a request whose {@code "id"} member this fills in; completes with its answer ({@code result} or {@code error}). */
    CompletableFuture<JsonNode> request(String frameWithoutId) {
        long id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        send("{\"id\":" + id + "," + frameWithoutId.substring(1));
        return answer.orTimeout(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Sends one text frame; one at a time, as the JDK's WebSocket requires. */
    synchronized void send(String text) {
        ws.sendText(text, true).orTimeout(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            try (MappingIterator<JsonNode> frames = JSON.readerFor(JsonNode.class).readValues(text)) {
                while (frames.hasNext()) {
                    dispatch(frames.next());
                }
            } catch (IOException | RuntimeException e) {
                closed.completeExceptionally(new AssertionError("undecodable frame: " + text, e));
                webSocket.abort();
                return null;
            }
        }
        webSocket.request(1);
        return null;
    }

    private void dispatch(JsonNode frame) {
        String type = frame.path("type").asText();
        if ((type.equals("result") || type.equals("error")) && frame.has("id")) {
            CompletableFuture<JsonNode> answer = pending.remove(frame.path("id").asLong());
            if (answer != null) {
                answer.complete(frame);
                return;
            }
        }
        onPush.accept(frame);
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        ended(new IllegalStateException("closed " + statusCode + " " + reason));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        ended(error);
    }

    private void ended(Throwable why) {
        pending.values().forEach(p -> p.completeExceptionally(why));
        pending.clear();
        closed.complete(null);
    }

    @Override
    public void close() {
        ws.abort();
        ended(new IllegalStateException("closed by the test"));
    }
}
