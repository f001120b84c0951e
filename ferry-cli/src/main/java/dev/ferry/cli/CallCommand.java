package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.client.FerryClient;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ferry call PROCEDURE [ARGS]}: prints the result, or the error code and message on stderr (exit 1). */
@Command(name = "call", mixinStandardHelpOptions = true,
        description = {"Call PROCEDURE and print its result as JSON on stdout.",
                "On error, print \"ferry: CODE: MESSAGE\" on stderr and exit 1."})
final class CallCommand implements Callable<Integer> {
    @ParentCommand
    FerryCommand root;

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectOptions connect;

    @Parameters(index = "0", paramLabel = "PROCEDURE", description = "the procedure name, e.g. math.add")
    String procedure;

    @Parameters(index = "1", arity = "0..1", paramLabel = "ARGS",
            description = "arguments as JSON; other text is sent as a JSON string, but text starting with {, [ or \" "
                    + "must be valid JSON; - reads standard input (default: null)")
    String args;

    @Option(names = {"-t", "--timeout"}, paramLabel = "MS",
            description = "how long the server waits for the callee, in ms (default: the server's rpc.default-timeout)")
    Long timeoutMs;

    @Override
    public Integer call() throws Exception {
        if (timeoutMs != null && timeoutMs < 1) {
            throw new ParameterException(spec.commandLine(), "--timeout: " + timeoutMs + " (expected: >= 1)");
        }
        Object payload;
        try {
            payload = args == null ? null
                    : Payloads.jsonOrString("ARGS", new String(Payloads.raw(args, root.stdin), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Duration timeout = timeoutMs == null ? null : Duration.ofMillis(timeoutMs);
        try (FerryClient client = FerryClient.builder().uri(connect.resolve(root)).reconnect(false).connect()) {
            JsonNode result = client.call(procedure, payload, timeout).get();
            PrintWriter out = spec.commandLine().getOut();
            out.println(Payloads.resultLine(result));
            out.flush();
        }
        return FerryCommand.OK;
    }
}
