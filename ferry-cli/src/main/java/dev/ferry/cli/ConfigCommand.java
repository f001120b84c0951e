package dev.ferry.cli;

import dev.ferry.server.config.ConfigDocs;
import dev.ferry.server.config.ConfigException;
import dev.ferry.server.config.ConfigSchema;
import dev.ferry.server.extension.Extensions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ferry config}: the configuration keys, from their declarations (the server's and each extension's). */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "List the configuration keys, or write their tables into a Markdown file.",
        subcommands = {ConfigCommand.Keys.class, ConfigCommand.Docs.class})
final class ConfigCommand implements Runnable {
    @Spec
    CommandSpec spec;

    /** Every key known to {@code ferry serve}: the server's and those of the extensions on the class path. */
    static ConfigSchema schema() {
        return Extensions.onClassPath().loader().schema();
    }

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing command (keys or docs)");
    }

    @Command(name = "keys", mixinStandardHelpOptions = true,
            description = "Print every configuration key with its type, default and meaning.")
    static final class Keys implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            out.print(ConfigDocs.listing(schema()));
            out.flush();
            return FerryCommand.OK;
        }
    }

    @Command(name = "docs", mixinStandardHelpOptions = true,
            description = "Rewrite the generated key tables of a Markdown file (docs/configuration.md) from the "
                    + "declarations; with --check, only report whether they differ (exit 1 if they do).")
    static final class Docs implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE", description = "the Markdown file, e.g. docs/configuration.md")
        Path file;

        @Option(names = "--check", description = "change nothing; exit 1 when the tables differ from the declarations")
        boolean check;

        @Override
        public Integer call() throws IOException {
            String before;
            try {
                before = Files.readString(file, StandardCharsets.UTF_8);
            } catch (java.nio.file.NoSuchFileException e) {
                throw new ConfigException(file + ": no such file");
            }
            String after;
            try {
                after = ConfigDocs.update(before, schema());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(file + ": " + e.getMessage());
            }
            PrintWriter err = spec.commandLine().getErr();
            if (check) {
                if (!after.equals(before)) {
                    err.println("ferry: " + file + ": the key tables differ from the declarations"
                            + " (run: ferry config docs " + file + ")");
                    err.flush();
                    return FerryCommand.FAILURE;
                }
                return FerryCommand.OK;
            }
            if (!after.equals(before)) {
                Files.writeString(file, after, StandardCharsets.UTF_8);
            }
            err.println("ferry: " + file + (after.equals(before) ? ": up to date" : ": tables rewritten"));
            err.flush();
            return FerryCommand.OK;
        }
    }
}
