package dev.ferry.cli;

import dev.ferry.client.FerryClient;
import dev.ferry.client.Message;
import java.io.PrintWriter;
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

/** {@code ferry sub PATTERN}: prints one JSON line per publication; reconnects until interrupted. */
@Command(name = "sub", mixinStandardHelpOptions = true,
        description = {"Subscribe to PATTERN and print one JSON line per message on stdout.",
                "Each line is {\"topic\":..,\"data\":..,\"offset\":..} (binary payloads as base64 in \"data_base64\").",
                "Reconnects (and resubscribes) when the connection drops; runs until interrupted or --count."})
final class SubCommand implements Callable<Integer> {
    @ParentCommand
    FerryCommand root;

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectOptions connect;

    @Parameters(index = "0", paramLabel = "PATTERN", description = "a topic pattern: * matches one word, # any number")
    String pattern;

    @Option(names = {"-n", "--count"}, paramLabel = "N", description = "exit after N messages")
    Long count;

    @Override
    public Integer call() throws Exception {
        if (count != null && count < 1) {
            throw new ParameterException(spec.commandLine(), "--count: " + count + " (expected: >= 1)");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        CountDownLatch done = new CountDownLatch(1);
        AtomicLong seen = new AtomicLong();
        try (FerryClient client = FerryClient.builder().uri(connect.resolve(root)).connect()) {
            client.subscribe(pattern, (Message m) -> {
                long n = seen.incrementAndGet();
                if (count != null && n > count) {
                    return;
                }
                out.println(Payloads.messageLine(m));
                out.flush();
                if (count != null && n == count) {
                    done.countDown();
                }
            }).get();
            err.println("ferry: subscribed to " + pattern + " on " + client.uri());
            err.flush();
            client.terminated().whenComplete((v, e) -> done.countDown());
            done.await();
            if (client.terminated().isCompletedExceptionally()) {
                client.terminated().join(); // reports why (the client does not reconnect after a protocol error)
            }
        }
        return FerryCommand.OK;
    }
}
