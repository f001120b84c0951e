package dev.ferry.cli;

import dev.ferry.client.FerryClient;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ferry pub TOPIC DATA}: publishes once and prints the offset. */
@Command(name = "pub", mixinStandardHelpOptions = true,
        description = "Publish DATA to TOPIC and print the offset the server assigned.")
final class PubCommand implements Callable<Integer> {
    @ParentCommand
    FerryCommand root;

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectOptions connect;

    @Parameters(index = "0", paramLabel = "TOPIC", description = "a topic, e.g. chat.room1 (no wildcards)")
    String topic;

    @Parameters(index = "1", paramLabel = "DATA",
            description = "JSON; other text is sent as a JSON string, but text starting with {, [ or \" must be valid "
                    + "JSON; - reads standard input")
    String data;

    @Option(names = {"-b", "--binary"}, description = "send DATA's bytes as a binary payload")
    boolean binary;

    @Override
    public Integer call() throws Exception {
        byte[] raw = Payloads.raw(data, root.stdin);
        Object payload;
        try {
            payload = binary ? raw : Payloads.jsonOrString("DATA", new String(raw, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        try (FerryClient client = FerryClient.builder().uri(connect.resolve(root)).reconnect(false).connect()) {
            long offset = client.publishAck(topic, payload).get();
            PrintWriter out = spec.commandLine().getOut();
            out.println(offset);
            out.flush();
        }
        return FerryCommand.OK;
    }
}
