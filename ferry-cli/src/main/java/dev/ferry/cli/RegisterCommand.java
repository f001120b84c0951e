package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.client.FerryClient;
import java.io.PrintWriter;
import java.util.Base64;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code ferry register PROCEDURE}: answers calls with a fixed reply or by echoing the arguments. */
@Command(name = "register", mixinStandardHelpOptions = true,
        description = {"Register PROCEDURE and answer every call, by echoing its arguments or with --reply.",
                "Prints one JSON line per call on stdout: {\"proc\":..,\"args\":..}.",
                "Reconnects (and re-registers) when the connection drops; runs until interrupted or --count."})
final class RegisterCommand implements Callable<Integer> {
    @ParentCommand
    FerryCommand root;

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectOptions connect;

    @Parameters(index = "0", paramLabel = "PROCEDURE", description = "the procedure name, e.g. math.add")
    String procedure;

    @Option(names = {"-r", "--reply"}, paramLabel = "JSON", description = "answer every call with this JSON value")
    String reply;

    @Option(names = {"-e", "--echo"}, description = "answer every call with its arguments (the default)")
    boolean echo;

    @Option(names = {"-n", "--count"}, paramLabel = "N", description = "exit after answering N calls")
    Long count;

    @Override
    public Integer call() throws Exception {
        if (reply != null && echo) {
            throw new ParameterException(spec.commandLine(), "--reply and --echo exclude each other");
        }
        if (count != null && count < 1) {
            throw new ParameterException(spec.commandLine(), "--count: " + count + " (expected: >= 1)");
        }
        JsonNode fixed;
        try {
            fixed = reply == null ? null : Payloads.json("--reply", reply);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        CountDownLatch done = new CountDownLatch(1);
        AtomicLong answered = new AtomicLong();
        try (FerryClient client = FerryClient.builder().uri(connect.resolve(root)).connect()) {
            client.register(procedure, args -> {
                ObjectNode line = Payloads.JSON.createObjectNode();
                line.put("proc", procedure);
                if (args.isBinary()) {
                    line.put("args_base64", Base64.getEncoder().encodeToString(Payloads.binary(args)));
                } else {
                    line.set("args", args);
                }
                out.println(line);
                out.flush();
                if (count != null && answered.incrementAndGet() >= count) {
                    done.countDown(); // close() lets this handler finish, so the reply is still sent
                }
                return fixed != null ? fixed : args;
            }).get();
            err.println("ferry: registered " + procedure + " on " + client.uri()
                    + (fixed != null ? " (fixed reply)" : " (echo)"));
            err.flush();
            client.terminated().whenComplete((v, e) -> done.countDown());
            done.await();
            if (client.terminated().isCompletedExceptionally()) {
                client.terminated().join();
            }
        }
        return FerryCommand.OK;
    }
}
