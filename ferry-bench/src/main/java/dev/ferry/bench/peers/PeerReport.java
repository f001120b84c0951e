package dev.ferry.bench.peers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Turns the JSON lines of a peer run into markdown tables (absolute figures, and ratios to the best peer and to
 * the raw-Netty ceiling) and PNG charts. The peer labelled {@link #FERRY} is Ferry, the one labelled {@link
 * #CEILING} the raw-Netty broadcast ceiling, and {@link #ECHO} the direct echo reference; every other label is a
 * peer. For memory, lower is better, so the best peer is the one with the least per connection.
 */
public final class PeerReport {
    public static final String FERRY = "ferry";
    public static final String CEILING = "raw-netty";
    public static final String ECHO = "netty-echo";
    static final String FANOUT_CHART = "peers-fanout.png";
    static final String LATENCY_CHART = "peers-latency.png";
    static final String MEMORY_CHART = "peers-memory.png";

    private final List<JsonNode> lines;

    PeerReport(List<JsonNode> lines) {
        this.lines = lines;
    }

    /** Reads JSON lines; lines that are not JSON objects (log noise) are skipped. */
    static PeerReport parse(List<String> text) {
        ObjectMapper mapper = new ObjectMapper();
        List<JsonNode> lines = new ArrayList<>();
        for (String s : text) {
            String t = s.trim();
            if (!t.startsWith("{")) {
                continue;
            }
            try {
                JsonNode n = mapper.readTree(t);
                if (n.has("bench")) {
                    lines.add(n);
                }
            } catch (IOException e) {
                // not a result line
            }
        }
        return new PeerReport(lines);
    }

    private List<JsonNode> of(String bench) {
        return lines.stream().filter(n -> bench.equals(n.path("bench").asText())).toList();
    }

    /** The markdown: one table per scenario; {@code chartPrefix} is put before the chart file names in links. */
    String markdown(String chartPrefix) {
        StringBuilder md = new StringBuilder();
        fanoutTables(md, "peer-fanout-best", "Fan-out: deliveries/s at p99 ≤ 50 ms, and the highest that kept up");
        if (!of("peer-fanout").isEmpty()) {
            md.append("![deliveries/s vs subscribers](").append(chartPrefix).append(FANOUT_CHART).append(")\n\n");
            md.append("![p99 latency vs offered deliveries/s](").append(chartPrefix).append(LATENCY_CHART).append(")\n\n");
        }
        fanoutTables(md, "peer-topics-best", "Many topics (each subscriber alone on its topic, publishers spread over "
                + "the topics): deliveries/s at p99 ≤ 50 ms, and the highest that kept up");
        idleTable(md);
        if (!of("peer-idle").isEmpty()) {
            md.append("![memory per idle connection](").append(chartPrefix).append(MEMORY_CHART).append(")\n\n");
        }
        rpcTable(md);
        return md.toString();
    }

    private void fanoutTables(StringBuilder md, String bench, String title) {
        List<JsonNode> best = of(bench);
        if (best.isEmpty()) {
            return;
        }
        TreeSet<Integer> sizes = new TreeSet<>();
        best.forEach(n -> sizes.add(n.path("subscribers").asInt()));
        md.append("### ").append(title).append("\n\n");
        for (int size : sizes) {
            List<JsonNode> rows = best.stream().filter(n -> n.path("subscribers").asInt() == size)
                    .sorted(Comparator.comparingDouble((JsonNode n) -> -n.path("max_dps").asDouble(0))).toList();
            double bestPeer = highest(rows, "dps", true);
            double ceiling = highest(rows, "dps", false);
            double bestPeerMax = highest(rows, "max_dps", true);
            double ceilingMax = highest(rows, "max_dps", false);
            md.append("**").append(String.format(Locale.ROOT, "%,d", size)).append(" subscribers**\n\n");
            md.append("| peer | deliveries/s at p99 ≤ 50 ms | p50 ms | p99 ms | × best peer | × raw Netty "
                    + "| highest kept up, deliveries/s | its p50 ms | its p99 ms | × best peer | × raw Netty | stopped by |\n");
            md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
            for (JsonNode n : rows) {
                double dps = n.path("dps").asDouble(0);
                double max = n.path("max_dps").asDouble(0);
                md.append("| ").append(label(n.path("peer").asText())).append(" | ");
                if (n.has("dps")) {
                    md.append(String.format(Locale.ROOT, "%,.0f", dps)).append(" | ").append(ms(n.path("p50_ms").asDouble()))
                            .append(" | ").append(ms(n.path("p99_ms").asDouble())).append(" | ");
                } else {
                    md.append("none | - | - | ");
                }
                md.append(ratio(dps, bestPeer)).append(" | ").append(ratio(dps, ceiling)).append(" | ");
                if (n.has("max_dps")) {
                    md.append(String.format(Locale.ROOT, "%,.0f", max)).append(" | ").append(ms(n.path("max_p50_ms").asDouble()))
                            .append(" | ").append(ms(n.path("max_p99_ms").asDouble())).append(" | ");
                } else {
                    md.append("none | - | - | ");
                }
                md.append(ratio(max, bestPeerMax)).append(" | ").append(ratio(max, ceilingMax)).append(" | ")
                        .append(n.has("failed") ? "failed: " + n.path("failed").asText() : n.path("stop").asText())
                        .append(" |\n");
            }
            md.append('\n');
        }
    }

    /** The highest {@code field} among the peers ({@code peers}) or among the raw-Netty rows (not). */
    private static double highest(List<JsonNode> rows, String field, boolean peers) {
        return rows.stream().filter(n -> peers ? isPeer(n.path("peer").asText()) : CEILING.equals(n.path("peer").asText()))
                .mapToDouble(n -> n.path(field).asDouble(0)).max().orElse(0);
    }

    private void idleTable(StringBuilder md) {
        List<JsonNode> idle = of("peer-idle");
        if (idle.isEmpty()) {
            return;
        }
        md.append("### Idle connections: server memory per connection and idle CPU (heartbeats on)\n\n");
        md.append("| peer | connections | RSS/conn | JVM heap/conn (after full GC) | idle CPU % | RSS × best peer | RSS × raw Netty | open at end |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        TreeSet<Integer> sizes = new TreeSet<>();
        idle.forEach(n -> sizes.add(n.path("connections").asInt()));
        for (int size : sizes) {
            List<JsonNode> rows = idle.stream().filter(n -> n.path("connections").asInt() == size)
                    .sorted(Comparator.comparingDouble((JsonNode n) -> n.path("rss_per_conn_bytes").asDouble(1e12))).toList();
            double bestPeer = rows.stream().filter(n -> isPeer(n.path("peer").asText()) && n.has("rss_per_conn_bytes"))
                    .mapToDouble(n -> n.path("rss_per_conn_bytes").asDouble()).min().orElse(0);
            double ceiling = rows.stream().filter(n -> CEILING.equals(n.path("peer").asText()) && n.has("rss_per_conn_bytes"))
                    .mapToDouble(n -> n.path("rss_per_conn_bytes").asDouble()).min().orElse(0);
            for (JsonNode n : rows) {
                if (n.has("failed")) {
                    md.append("| ").append(label(n.path("peer").asText())).append(" | ")
                            .append(String.format(Locale.ROOT, "%,d", size)).append(" | failed: ")
                            .append(n.path("failed").asText()).append(" | | | | | |\n");
                    continue;
                }
                double rss = n.path("rss_per_conn_bytes").asDouble();
                md.append("| ").append(label(n.path("peer").asText())).append(" | ")
                        .append(String.format(Locale.ROOT, "%,d", size)).append(" | ").append(bytes(rss)).append(" | ")
                        .append(n.has("heap_per_conn_bytes") ? bytes(n.path("heap_per_conn_bytes").asDouble()) : "-")
                        .append(" | ").append(String.format(Locale.ROOT, "%.2f", n.path("cpu_percent").asDouble()))
                        .append(" | ").append(ratio(rss, bestPeer)).append(" | ").append(ratio(rss, ceiling))
                        .append(" | ").append(String.format(Locale.ROOT, "%,d", n.path("open_at_end").asInt()))
                        .append(" |\n");
            }
        }
        md.append('\n');
    }

    private void rpcTable(StringBuilder md) {
        List<JsonNode> rpc = of("peer-rpc");
        if (rpc.isEmpty()) {
            return;
        }
        md.append("### RPC: closed-loop round trips (one request in flight per caller)\n\n");
        md.append("Ratios are to the echo reference with as many callers.\n\n");
        md.append("| path | callers | round trips/s | p50 ms | p99 ms | p50 × echo | round trips × echo | errors |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (JsonNode n : rpc) {
            if (n.has("failed")) {
                md.append("| ").append(label(n.path("peer").asText())).append(" | ").append(n.path("callers").asInt())
                        .append(" | failed: ").append(n.path("failed").asText()).append(" | | | | | |\n");
                continue;
            }
            int callers = n.path("callers").asInt();
            JsonNode echo = rpc.stream().filter(e -> ECHO.equals(e.path("peer").asText()) && !e.has("failed")
                    && e.path("callers").asInt() == callers).findFirst().orElse(null);
            double echoP50 = echo == null ? 0 : echo.path("p50_ms").asDouble();
            double echoRps = echo == null ? 0 : echo.path("rps").asDouble();
            md.append("| ").append(label(n.path("peer").asText())).append(" | ").append(callers)
                    .append(" | ").append(String.format(Locale.ROOT, "%,.0f", n.path("rps").asDouble())).append(" | ")
                    .append(ms(n.path("p50_ms").asDouble())).append(" | ").append(ms(n.path("p99_ms").asDouble()))
                    .append(" | ").append(ratio(n.path("p50_ms").asDouble(), echoP50)).append(" | ")
                    .append(ratio(n.path("rps").asDouble(), echoRps)).append(" | ").append(n.path("errors").asLong())
                    .append(" |\n");
        }
        md.append('\n');
    }

    /** Writes the charts into {@code dir}. */
    void charts(Path dir) throws IOException {
        List<JsonNode> best = of("peer-fanout-best");
        if (!best.isEmpty()) {
            Map<String, List<double[]>> byPeer = new LinkedHashMap<>();
            best.stream().filter(n -> n.has("max_dps")).sorted(Comparator.comparingInt(n -> n.path("subscribers").asInt()))
                    .forEach(n -> byPeer.computeIfAbsent(n.path("peer").asText(), p -> new ArrayList<>())
                            .add(new double[] {n.path("subscribers").asDouble(), n.path("max_dps").asDouble()}));
            Charts.lines(dir.resolve(FANOUT_CHART), "Fan-out: highest deliveries/s that kept up, by subscribers",
                    "subscribers (log scale)", "deliveries/s", series(byPeer), true, false);
        }
        List<JsonNode> steps = of("peer-fanout");
        if (!steps.isEmpty()) {
            TreeSet<Integer> sizes = new TreeSet<>();
            steps.forEach(n -> sizes.add(n.path("subscribers").asInt()));
            int size = sizes.contains(1000) ? 1000 : sizes.first();
            Map<String, List<double[]>> byPeer = new LinkedHashMap<>();
            steps.stream().filter(n -> n.path("subscribers").asInt() == size && n.path("p99_ms").asDouble() > 0)
                    .forEach(n -> byPeer.computeIfAbsent(n.path("peer").asText(), p -> new ArrayList<>())
                            .add(new double[] {n.path("offered_dps").asDouble(), n.path("p99_ms").asDouble()}));
            Charts.lines(dir.resolve(LATENCY_CHART), String.format(Locale.ROOT,
                    "Fan-out, %,d subscribers: p99 latency at each offered rate", size),
                    "offered deliveries/s (log scale)", "p99 latency, ms (log scale)", series(byPeer), true, true);
        }
        List<JsonNode> idle = of("peer-idle");
        if (!idle.isEmpty()) {
            int size = idle.stream().filter(n -> n.has("rss_per_conn_bytes")).mapToInt(n -> n.path("connections").asInt())
                    .min().orElse(0);
            Map<String, Double> values = Charts.ordered();
            idle.stream().filter(n -> n.path("connections").asInt() == size && n.has("rss_per_conn_bytes"))
                    .sorted(Comparator.comparingDouble(n -> n.path("rss_per_conn_bytes").asDouble()))
                    .forEach(n -> values.put(n.path("peer").asText(), n.path("rss_per_conn_bytes").asDouble() / 1024));
            Charts.bars(dir.resolve(MEMORY_CHART), String.format(Locale.ROOT,
                    "Server RSS per idle connection, KiB (%,d connections)", size), "KiB per connection", values);
        }
    }

    private static List<Charts.Series> series(Map<String, List<double[]>> byPeer) {
        List<Charts.Series> out = new ArrayList<>();
        // in x order: a run's refining steps come after its higher steps
        byPeer.forEach((peer, points) -> {
            points.sort(java.util.Comparator.comparingDouble(p -> p[0]));
            out.add(new Charts.Series(peer, points));
        });
        return out;
    }

    static boolean isPeer(String label) {
        return !label.equals(FERRY) && !label.equals(CEILING) && !label.equals(ECHO) && !label.startsWith(FERRY + "-");
    }

    private static String label(String peer) {
        return peer.equals(FERRY) || peer.startsWith(FERRY + "-") ? "**" + peer + "**" : peer;
    }

    static String ratio(double value, double reference) {
        if (reference <= 0 || value <= 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.2f×", value / reference);
    }

    private static String ms(double v) {
        // three significant digits or more: an unloaded round trip is a few tens of microseconds
        return String.format(Locale.ROOT, v < 1 ? "%.3f" : v < 10 ? "%.2f" : v < 100 ? "%.1f" : "%,.0f", v);
    }

    private static String bytes(double v) {
        return v >= 1024 ? String.format(Locale.ROOT, "%.1f KiB", v / 1024) : String.format(Locale.ROOT, "%.0f B", v);
    }
}
