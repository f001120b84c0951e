package dev.ferry.server.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@code text/event-stream} reader on the JDK's HttpClient: reads the response line by line on its own thread
 * and parses events as the WHATWG spec says (fields {@code id}, {@code event}, {@code data}; comments; blank line
 * dispatches). Comments are queued as events of type {@code ":"}; the end of the stream as {@link #END}.
 */
public final class SseTestClient implements AutoCloseable {
    /**
     * How long a test waits for an answer that should come at once: generous, because on a busy shared machine a
     * healthy answer can take seconds; a passing test never waits for it.
     */
    public static final Duration TIMEOUT = Duration.ofSeconds(30);
    public static final Event END = new Event(null, "<end>", "");

    /** One event; {@code id} is null when the event had no id field. */
    public record Event(String id, String type, String data) {
    }

    private final HttpResponse<InputStream> response;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final Thread reader;

    private SseTestClient(HttpResponse<InputStream> response) {
        this.response = response;
        this.reader = new Thread(this::read, "sse-test-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Opens a stream; the response status and headers are available at once (a non-200 body is read whole). */
    public static SseTestClient open(URI uri, String lastEventId) {
        return open(uri, lastEventId == null ? java.util.Map.of() : java.util.Map.of("Last-Event-ID", lastEventId));
    }

    /** Opens a stream with extra request headers (credentials, {@code Origin}, {@code Last-Event-ID}). */
    public static SseTestClient open(URI uri, java.util.Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream").timeout(TIMEOUT);
        headers.forEach(b::header);
        try {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            return new SseTestClient(client.send(b.GET().build(), HttpResponse.BodyHandlers.ofInputStream()));
        } catch (IOException e) {
            throw new RuntimeException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeException(e);
        }
    }

    public static SseTestClient open(URI uri) {
        return open(uri, java.util.Map.of());
    }

    public int status() {
        return response.statusCode();
    }

    public HttpResponse<InputStream> response() {
        return response;
    }

    private void read() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String id = null;
            String type = null;
            StringBuilder data = null;
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isEmpty()) {
                    if (data != null) {
                        events.add(new Event(id, type == null ? "message" : type, data.toString()));
                    }
                    id = null;
                    type = null;
                    data = null;
                } else if (line.startsWith(":")) {
                    events.add(new Event(null, ":", line.substring(1).trim()));
                } else {
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : line.substring(colon + 1);
                    if (value.startsWith(" ")) {
                        value = value.substring(1);
                    }
                    switch (field) {
                        case "id" -> id = value;
                        case "event" -> type = value;
                        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                        default -> { }
                    }
                }
            }
        } catch (IOException e) {
            // closed by us, or by the server
        }
        events.add(END);
    }

    /** The next event, comments included; fails after {@link #TIMEOUT}. */
    public Event nextAny() {
        try {
            Event e = events.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (e == null) {
                throw new AssertionError("no event within " + TIMEOUT);
            }
            return e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next event that is not a comment. */
    public Event next() {
        while (true) {
            Event e = nextAny();
            if (!e.type().equals(":")) {
                return e;
            }
        }
    }

    /** Whatever arrives next within {@code wait}, or null. */
    public Event poll(Duration wait) throws InterruptedException {
        return events.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits for the server to end the stream, skipping events; returns the events skipped. */
    public java.util.List<Event> awaitEnd() {
        java.util.List<Event> skipped = new java.util.ArrayList<>();
        Event e;
        while ((e = nextAny()) != END) {
            skipped.add(e);
        }
        return skipped;
    }

    /** Drops the connection (a forced disconnect from the client's side). */
    @Override
    public void close() {
        try {
            response.body().close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
