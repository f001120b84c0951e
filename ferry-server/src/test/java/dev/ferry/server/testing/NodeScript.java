package dev.ferry.server.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a script of the npm project in {@code src/test/node} with {@code node}: skips (or fails under
 * {@code CI=true}) when node or a needed package is missing, kills the script after a timeout, and returns its
 * transcript and exit code.
 */
public final class NodeScript {
    /** What a script printed and how it ended. */
    public record Result(boolean exited, int exitCode, String transcript) {
    }

    private NodeScript() {
    }

    /** Requires {@code node} and {@code node_modules/<pkg>} for each package; see {@link Requirements}. */
    public static Path requireProject(String... packages) {
        Path dir = locateProject();
        Optional<Path> node = findOnPath("node");
        boolean ok = dir != null && node.isPresent();
        for (String pkg : packages) {
            ok = ok && Files.isDirectory(dir.resolve("node_modules").resolve(pkg));
        }
        Requirements.require(ok, "node and the npm packages " + String.join(", ", packages)
                + " (npm ci --prefix ferry-server/src/test/node)");
        return dir;
    }

    public static Result run(String script, long timeoutSeconds, String... args) throws Exception {
        Path dir = requireProject();
        List<String> cmd = new ArrayList<>(List.of(findOnPath("node").orElseThrow().toString(), script));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().remove("NODE_OPTIONS");
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
        String out = stdout.get(5, TimeUnit.SECONDS);
        String err = stderr.get(5, TimeUnit.SECONDS);
        String transcript = "node " + String.join(" ", cmd.subList(1, cmd.size())) + "\n--- stdout ---\n" + out
                + (err.isEmpty() ? "" : "--- stderr ---\n" + err);
        System.out.println(transcript);
        return new Result(exited, exited ? p.exitValue() : -1, transcript);
    }

    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> text = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (in) {
                text.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                text.complete("<could not read: " + e + ">");
            }
        }, "node-output");
        t.setDaemon(true);
        t.start();
        return text;
    }

    private static Path locateProject() {
        String basedir = System.getProperty("basedir");
        List<Path> candidates = basedir == null
                ? List.of(Path.of("src/test/node"), Path.of("ferry-server/src/test/node"))
                : List.of(Path.of(basedir, "src/test/node"), Path.of("src/test/node"), Path.of("ferry-server/src/test/node"));
        return candidates.stream()
                .filter(d -> Files.isRegularFile(d.resolve("package.json")))
                .map(d -> d.toAbsolutePath().normalize())
                .findFirst()
                .orElse(null);
    }

    private static Optional<Path> findOnPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String d : path.split(File.pathSeparator)) {
            if (!d.isEmpty()) {
                Path candidate = Path.of(d, command);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }
}
