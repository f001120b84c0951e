package dev.ferry.server.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a command (usually {@code node ...}) to completion with a time limit, keeping its output as a transcript. */
public final class NodeProcess {
    /** How a run ended: exit code ({@code -1} when killed for taking too long) and everything it printed. */
    public record Result(int exitCode, String transcript) {
        public boolean timedOut() {
            return exitCode == -1;
        }
    }

    private NodeProcess() {
    }

    public static Result run(Path dir, List<String> command, Map<String, String> env, long timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().remove("NODE_OPTIONS");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<String> stdout = drain(p.getInputStream());
        CompletableFuture<String> stderr = drain(p.getErrorStream());
        boolean exited = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!exited) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        String out;
        String err;
        try {
            out = stdout.get(5, TimeUnit.SECONDS);
            err = stderr.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            out = "<output unavailable: " + e + ">";
            err = "";
        }
        String transcript = String.join(" ", command) + " (in " + dir + ")\n--- stdout ---\n" + out
                + (err.isEmpty() ? "" : "--- stderr ---\n" + err)
                + (exited ? "" : "\n--- killed after " + timeoutSeconds + " s ---");
        return new Result(exited ? p.exitValue() : -1, transcript);
    }

    /** Reads a stream to its end on its own thread, so that neither pipe can fill up. */
    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> text = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (in) {
                text.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                text.complete("<could not read: " + e + ">");
            }
        }, "process-output");
        t.setDaemon(true);
        t.start();
        return text;
    }

    /** An executable on the PATH. */
    public static Optional<Path> onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path candidate = Path.of(dir, command);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }
}
