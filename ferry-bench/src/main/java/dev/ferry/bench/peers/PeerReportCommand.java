package dev.ferry.bench.peers;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry-bench peer-report}: reads the JSON lines of a peer run and writes {@code peers.md} (the tables,
 * with the machine description first when given) and the PNG charts into a directory.
 */
@Command(name = "peer-report", mixinStandardHelpOptions = true,
        description = "Markdown tables (absolute figures and ratios) and PNG charts from peer results.")
public final class PeerReportCommand implements Callable<Integer> {
    @Option(names = "--results", required = true, arity = "1..*", description = "JSON-lines result files.")
    List<Path> results;

    @Option(names = "--out", defaultValue = "docs/benchmarks", description = "Directory for peers.md and the charts (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--preamble", description = "A markdown file put before the tables (machine, commands).")
    Path preamble;

    @Override
    public Integer call() throws Exception {
        List<String> text = new ArrayList<>();
        for (Path p : results) {
            text.addAll(Files.readAllLines(p, StandardCharsets.UTF_8));
        }
        PeerReport report = PeerReport.parse(text);
        Files.createDirectories(out);
        report.charts(out);
        String md = (preamble != null ? Files.readString(preamble) + "\n" : "") + report.markdown("");
        Files.writeString(out.resolve("peers.md"), md, StandardCharsets.UTF_8);
        System.err.println("peer-report: wrote " + out.resolve("peers.md") + " and charts");
        return 0;
    }
}
