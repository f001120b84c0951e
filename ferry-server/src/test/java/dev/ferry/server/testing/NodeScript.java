package dev.ferry.server.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs the scripts of this module's npm project ({@code src/test/node}) with {@code node}, through
 * {@link NodeProcess}. Maven runs tests in the module directory; an IDE may use the repository root.
 */
public final class NodeScript {
    private NodeScript() {
    }

    /**
     * The project directory, requiring {@code node} and {@code node_modules/<pkg>} for each package (skipped where
     * missing, failed under {@code CI=true}; see {@link Requirements}).
     */
    public static Path requireProject(String... packages) {
        Path dir = locateProject();
        boolean ok = dir != null && NodeProcess.onPath("node").isPresent();
        for (String pkg : packages) {
            ok = ok && Files.isDirectory(dir.resolve("node_modules").resolve(pkg));
        }
        Requirements.require(ok, "node and the npm packages " + String.join(", ", packages)
                + " (npm ci --prefix ferry-server/src/test/node)");
        return dir;
    }

    /** Runs {@code node script args...} in the project directory; the transcript is printed too. */
    public static NodeProcess.Result run(String script, long timeoutSeconds, String... args) throws Exception {
        return run(script, timeoutSeconds, Map.of(), args);
    }

    /** As {@link #run(String, long, String...)}, with {@code env} added to the script's environment. */
    public static NodeProcess.Result run(String script, long timeoutSeconds, Map<String, String> env, String... args)
            throws Exception {
        Path dir = requireProject();
        List<String> cmd = new ArrayList<>(List.of(NodeProcess.onPath("node").orElseThrow().toString(), script));
        cmd.addAll(List.of(args));
        NodeProcess.Result r = NodeProcess.run(dir, cmd, env, timeoutSeconds);
        System.out.println(r.transcript());
        return r;
    }

    private static Path locateProject() {
        String basedir = System.getProperty("basedir");
        List<Path> candidates = basedir == null
                ? List.of(Path.of("src/test/node"), Path.of("ferry-server/src/test/node"))
                : List.of(Path.of(basedir, "src/test/node"), Path.of(basedir, "../ferry-server/src/test/node"),
                        Path.of("src/test/node"), Path.of("ferry-server/src/test/node"));
        return candidates.stream()
                .filter(d -> Files.isRegularFile(d.resolve("package.json")))
                .map(d -> d.toAbsolutePath().normalize())
                .findFirst()
                .orElse(null);
    }
}
