package dev.ferry.server.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link StandaloneServer} in a child JVM with JVM options of the test's choosing (a heap limit), on the test's
 * class path. Its output is kept, so a test can look for an {@code OutOfMemoryError}.
 */
public final class ServerProcess implements AutoCloseable {
    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final CompletableFuture<Integer> port = new CompletableFuture<>();

    private ServerProcess(Process process) {
        this.process = process;
        Thread reader = new Thread(this::read, "server-process-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts the server with {@code jvmOptions} and {@code args}; waits up to 60 s for it to listen. */
    public static ServerProcess start(List<String> jvmOptions, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(StandaloneServer.class.getName());
        command.addAll(List.of(args));
        ServerProcess p = new ServerProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
        try {
            p.port.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.close();
            throw new AssertionError("the server did not start:\n" + p.output(), e);
        }
        return p;
    }

    private void read() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("LISTENING ")) {
                    port.complete(Integer.parseInt(line.substring("LISTENING ".length()).trim()));
                }
                if (output.length() < 1 << 20) {
                    output.append(line).append('\n');
                }
            }
        } catch (IOException e) {
            output.append("<output ended: ").append(e).append(">\n");
        }
        port.completeExceptionally(new IllegalStateException("the server's output ended"));
    }

    public int port() {
        return port.join();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Everything the server printed so far (the first MiB). */
    public String output() {
        return output.toString();
    }

    /** Closes the server's input (it stops), and kills it if it has not stopped within 10 s. */
    @Override
    public void close() throws Exception {
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // already gone
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
