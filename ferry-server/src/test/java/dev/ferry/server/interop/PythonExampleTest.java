package dev.ferry.server.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.testing.FerryServerExtension;
import dev.ferry.server.testing.Requirements;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Python example of examples/python, a client written from the protocol spec alone, against a real server. */
class PythonExampleTest {
    @RegisterExtension
    static final FerryServerExtension server = new FerryServerExtension();

    @Test
    void pythonClientSubscribesPublishesAndCalls() throws Exception {
        Path script = Path.of("..", "examples", "python", "ferry_example.py").toAbsolutePath().normalize();
        String python = pythonWithWebsockets();
        Requirements.require(python != null, "a python3 with the websockets package (apt-get install python3-websockets)");
        Process p = new ProcessBuilder(python, script.toString(), server.wsUri().toString()).redirectErrorStream(true).start();
        boolean done = p.waitFor(30, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(done).as(output).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("\"topic\": \"demo.python\"", "\"data\": {\"hello\": \"from python\"}", "\"sum\": 9");
    }

    /** Debian's python3 (where python3-websockets installs) first, then whatever python3 is on the PATH. */
    private static String pythonWithWebsockets() throws Exception {
        for (String candidate : new String[] {"/usr/bin/python3", "python3"}) {
            if (candidate.startsWith("/") && !Files.isExecutable(Path.of(candidate))) {
                continue;
            }
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import websockets").redirectErrorStream(true).start();
                if (p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return candidate;
                }
            } catch (java.io.IOException e) {
                // not there
            }
        }
        return null;
    }
}
