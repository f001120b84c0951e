package dev.ferry.server.hooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.testing.NodeProcess;
import dev.ferry.server.testing.Requirements;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The example backend of docs/hooks.md ({@code examples/hooks/backend.py}) as a real process on a free loopback
 * port, for the hooks' integration tests. Skips (fails under CI) without python3.
 */
final class ExampleBackend implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private final Process process;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private ExampleBackend(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static ExampleBackend start() throws IOException, InterruptedException {
        return start(3600);
    }

    /** The backend, giving identities that last {@code ttlSeconds}. */
    static ExampleBackend start(int ttlSeconds) throws IOException, InterruptedException {
        Requirements.require(NodeProcess.onPath("python3").isPresent(), "python3 on the PATH");
        Path script = Path.of("..", "examples", "hooks", "backend.py").toAbsolutePath().normalize();
        if (!Files.isRegularFile(script)) {
            throw new IllegalStateException("no example backend at " + script);
        }
        Process p = new ProcessBuilder(List.of("python3", "-u", script.toString(), "0",
                Integer.toString(ttlSeconds)))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        p.getOutputStream().close();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                return null;
            }
        });
        String first;
        try {
            first = line.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IllegalStateException("the example backend did not start", e);
        }
        if (first == null || !first.startsWith("listening on ")) {
            p.destroyForcibly();
            throw new IllegalStateException("the example backend said " + first);
        }
        return new ExampleBackend(p, Integer.parseInt(first.substring("listening on ".length()).trim()));
    }

    int port() {
        return port;
    }

    /** The URL of {@code path} on the backend, e.g. {@code /ferry/connect}. */
    String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /** Logs {@code user} in; returns the {@code Cookie} header value of its session. */
    String login(String user) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url("/login")))
                .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"" + user + "\"}")).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofString());
        String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    /** A request to the backend's own routes ({@code /ferry/events}, ...); its answer's JSON. */
    JsonNode request(String method, String path, String json) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url(path))).timeout(WAIT)
                    .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new AssertionError(method + " " + path + ": " + r.statusCode() + " " + r.body());
            }
            return new ObjectMapper().readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError(method + " " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The events of every batch the events-out sink took, in order. */
    List<JsonNode> events() {
        List<JsonNode> out = new java.util.ArrayList<>();
        for (JsonNode batch : request("GET", "/ferry/events", null).path("batches")) {
            batch.path("events").forEach(out::add);
        }
        return out;
    }

    /** Counts the expiries the backend gives from {@code epochSeconds} (a test's manual clock) instead of the real time. */
    void pinClock(long epochSeconds) {
        request("POST", "/clock", "{\"now\":" + epochSeconds + "}");
    }

    /** Ends the session of {@code cookie}. */
    void logout(String cookie) throws IOException, InterruptedException {
        http.send(HttpRequest.newBuilder(URI.create(url("/logout"))).header("Cookie", cookie)
                .POST(HttpRequest.BodyPublishers.ofString("{}")).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
