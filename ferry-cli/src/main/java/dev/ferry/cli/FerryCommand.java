package dev.ferry.cli;

import dev.ferry.client.FerryException;
import dev.ferry.server.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code ferry}: run a server, or talk to one from the shell.
 *
 * <p>Exit codes: 0 success, 1 failure (cannot connect, the server or callee answered with an error), 2 bad usage
 * or configuration.
 */
@Command(name = "ferry",
        mixinStandardHelpOptions = true,
        versionProvider = FerryCommand.Version.class,
        description = "Ferry real-time messaging gateway: run a server, or publish, subscribe and call from the shell.",
        subcommands = {ServeCommand.class, PubCommand.class, SubCommand.class, CallCommand.class, RegisterCommand.class,
                TunnelCommand.class, ConfigCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:failure (connection, server or callee error)", "2:bad usage or configuration"})
public final class FerryCommand implements Runnable {
    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int USAGE = 2;

    final Map<String, String> env;
    final InputStream stdin;

    @Spec
    CommandSpec spec;

    public FerryCommand() {
        this(System.getenv(), System.in);
    }

    /** For tests and embedding: the environment and standard input the commands see. */
    public FerryCommand(Map<String, String> env, InputStream stdin) {
        this.env = Objects.requireNonNull(env, "env");
        this.stdin = Objects.requireNonNull(stdin, "stdin");
    }

    public static void main(String[] args) {
        System.exit(commandLine(new FerryCommand()).execute(args));
    }

    /** A picocli command line for {@code root} with Ferry's error handling: messages, never stack traces. */
    public static CommandLine commandLine(FerryCommand root) {
        CommandLine cl = new CommandLine(root);
        HelpLayout.apply(cl);
        cl.getSubcommands().get("serve").getCommandSpec().usageMessage()
                .footer(ServeCommand.keysFooter(ConfigCommand.schema()));
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            Throwable cause = e;
            while (cause instanceof java.util.concurrent.CompletionException
                    || cause instanceof java.util.concurrent.ExecutionException) {
                cause = cause.getCause();
            }
            if (cause instanceof ConfigException) {
                err.println("ferry: configuration error: " + cause.getMessage());
                err.flush();
                return USAGE;
            }
            if (cause instanceof FerryException fe) {
                err.println("ferry: " + describe(fe));
            } else {
                err.println("ferry: " + (cause.getMessage() != null ? cause.getMessage() : cause.toString()));
            }
            err.flush();
            return FAILURE;
        });
        return cl;
    }

    /** {@code code: message}, plus the callee's own code for {@code callee_error}. */
    static String describe(FerryException e) {
        String callee = e.calleeCode();
        return e.code() + ": " + e.getMessage() + (callee != null ? " (callee code: " + callee + ")" : "");
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing command (" + String.join(", ", spec.subcommands().keySet()) + ")");
    }

    /** The version from the build. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = FerryCommand.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"ferry " + p.getProperty("version", "unknown") + " (protocol ferry.v1, Java "
                    + Runtime.version() + ")"};
        }
    }
}
