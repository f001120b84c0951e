package dev.ferry.cli.failover;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code java -jar ferry.jar serve} process on 127.0.0.1, port 0, as an operator runs it: started with
 * {@code --set} options, known by the URIs it logs, killed with SIGKILL. Keeps its last log lines for failure
 * messages.
 */
final class FerryNode implements AutoCloseable {
    private static final Pattern SERVING = Pattern.compile("serving (ws://\\S+) \\(HTTP API at (http://\\S+)\\)");
    private static final int KEPT_LINES = 40;

    final String name;
    private final Process process;
    private final CompletableFuture<URI[]> uris = new CompletableFuture<>();
    private final ArrayDeque<String> lastLines = new ArrayDeque<>();
    private volatile boolean killed;

    private FerryNode(String name, Process process) {
        this.name = name;
        this.process = process;
        Thread reader = new Thread(this::read, "ferry-node-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts a node with these {@code settings} (each {@code key=value}); see {@link #awaitServing}. */
    static FerryNode start(String name, Path jar, List<String> settings) throws java.io.IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // C1 only and the serial collector: three nodes start faster on a small machine, and this load needs no more
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-jar", jar.toString(), "serve",
                "--host", "127.0.0.1", "--port", "0"));
        for (String s : settings) {
            cmd.add("--set");
            cmd.add(s);
        }
        return new FerryNode(name, new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    private void read() {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                synchronized (lastLines) {
                    if (lastLines.size() == KEPT_LINES) {
                        lastLines.pollFirst();
                    }
                    lastLines.addLast(line);
                }
                Matcher m = SERVING.matcher(line);
                if (m.find()) {
                    uris.complete(new URI[] {URI.create(m.group(1)), URI.create(m.group(2))});
                }
            }
        } catch (java.io.IOException e) {
            // the process is gone
        }
        uris.completeExceptionally(new AssertionError("node " + name + " ended before serving:\n" + log()));
    }

    /** Waits until the node logs where it serves. */
    void awaitServing(Duration timeout) {
        uris.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    URI webSocket() {
        return uris.join()[0];
    }

    URI http() {
        return uris.join()[1];
    }

    boolean alive() {
        return !killed && process.isAlive();
    }

    /** SIGKILL: nothing is saved, flushed or said goodbye. Returns once the process is gone. */
    void kill() throws InterruptedException {
        killed = true;
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("node " + name + " survived SIGKILL");
        }
    }

    String log() {
        synchronized (lastLines) {
            return String.join("\n", lastLines);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
