package dev.ferry.bench;

import dev.ferry.bench.peers.PeerFanoutCommand;
import dev.ferry.bench.peers.PeerIdleCommand;
import dev.ferry.bench.peers.PeerReportCommand;
import dev.ferry.bench.peers.PeerRpcCommand;
import dev.ferry.bench.peers.PeerServerCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ferry-bench}: load generators against a Ferry server. */
@Command(name = "ferry-bench", mixinStandardHelpOptions = true, version = "ferry-bench 0.1.0",
        description = "Load generators for Ferry. Targets loopback addresses only.",
        subcommands = {FanoutCommand.class, TunnelCommand.class, DeflateCommand.class, AmqpCommand.class, PeerFanoutCommand.class,
                PeerIdleCommand.class, PeerRpcCommand.class, PeerServerCommand.class, PeerReportCommand.class,
                dev.ferry.bench.idle.IdleCommand.class, dev.ferry.bench.idle.RpcCommand.class,
                dev.ferry.bench.idle.EchoCommand.class})
public final class FerryBench implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new FerryBench()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
