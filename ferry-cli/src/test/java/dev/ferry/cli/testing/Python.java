package dev.ferry.cli.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Finds a Python 3 that can import the modules a test needs. */
public final class Python {
    private Python() {
    }

    /**
     * Debian's {@code /usr/bin/python3} first (where {@code apt-get install python3-...} puts modules), then
     * whatever {@code python3} is on the PATH; empty when neither imports every one of {@code modules}.
     */
    public static Optional<String> withModules(String... modules) throws InterruptedException {
        String check = "import " + String.join(", ", modules);
        for (String candidate : new String[] {"/usr/bin/python3", "python3"}) {
            if (candidate.startsWith("/") && !Files.isExecutable(Path.of(candidate))) {
                continue;
            }
            try {
                Process p = new ProcessBuilder(candidate, "-c", check).redirectErrorStream(true).start();
                p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return Optional.of(candidate);
                }
                p.destroyForcibly();
            } catch (IOException e) {
                // no such executable
            }
        }
        return Optional.empty();
    }
}
