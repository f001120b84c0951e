package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.config.ConfigKey;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ferry config}: the key listing and the generated tables of docs/configuration.md. */
class ConfigCommandTest {
    private static final Path DOC = Path.of("..", "docs", "configuration.md");

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = FerryCommand.commandLine(new FerryCommand(Map.of(), new ByteArrayInputStream(new byte[0])));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** Fails when a declaration changed without docs/configuration.md: run {@code ferry config docs docs/configuration.md}. */
    @Test
    void theGeneratedTablesOfTheDocsAreTheDeclarations() {
        Run r = run("config", "docs", "--check", DOC.toString());
        assertThat(r.err()).isEmpty();
        assertThat(r.exit()).as("docs/configuration.md differs from the key declarations;"
                + " run: ./ferry config docs docs/configuration.md").isZero();
    }

    @Test
    void docsRewritesAStaleTableAndCheckSeesIt() throws Exception {
        Path copy = dir.resolve("configuration.md");
        String original = Files.readString(DOC);
        Files.writeString(copy, original.replace("| `server.port` | `8080` |", "| `server.port` | `80` |"));
        Run stale = run("config", "docs", "--check", copy.toString());
        assertThat(stale.exit()).isEqualTo(1);
        assertThat(stale.err()).contains("differ from the declarations");
        assertThat(run("config", "docs", copy.toString()).exit()).isZero();
        assertThat(Files.readString(copy)).isEqualTo(original);
    }

    @Test
    void keysListsEveryKeyOfTheServerAndItsExtensions() {
        Run r = run("config", "keys");
        assertThat(r.exit()).isZero();
        for (ConfigKey k : ConfigCommand.schema().keys()) {
            assertThat("\n" + r.out()).contains("\n" + k.name() + "  (");
        }
        assertThat(r.out()).contains("websocket.max-message-bytes  (size, >= 256; default: 1MiB)")
                .contains("rabbitmq.bridges.<name>.prefetch  (integer, 1..65535; default: 256)")
                .contains("rpc.routing  (round-robin | local-first; default: round-robin)");
    }

    @Test
    void serveHelpListsTheKeysWholeWithTheirDefaults() {
        Run r = run("serve", "--help");
        assertThat(r.exit()).isZero();
        for (ConfigKey k : ConfigCommand.schema().keys()) {
            assertThat(r.out()).containsPattern("(?m)^  " + java.util.regex.Pattern.quote(k.name()) + "  ");
        }
        assertThat(r.out()).containsPattern("(?m)^  websocket\\.max-message-bytes +1MiB$");
    }
}
