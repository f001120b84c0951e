package dev.ferry.bench.fanout;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * What a fan-out run measured. Latencies are in nanoseconds, from a publication's intended send time to its
 * arrival at a subscriber, over the measured part of the run only.
 *
 * @param transport client I/O transport ({@code epoll} or {@code nio})
 * @param target the server's URL
 * @param embedded whether the server ran in this JVM
 * @param subscribers subscriber connections established
 * @param sourceAddresses loopback source addresses they were spread over
 * @param rate publications per second asked for
 * @param payloadBytes size of each publication's data value
 * @param warmupSeconds warmup, not timed
 * @param durationSeconds measured part
 * @param connectSeconds time to connect and subscribe all subscribers
 * @param sent publications sent, warmup included
 * @param measuredSent publications sent in the measured part
 * @param received {@code msg} frames received by all subscribers, warmup included
 * @param measuredReceived {@code msg} frames received whose publication was in the measured part
 * @param deliveriesPerSecond measured deliveries divided by the time from the start of the measured part to
 *     the last delivery
 * @param publisherMaxLagNanos worst delay of a publication's departure behind its schedule
 * @param closesByCode subscriber connections closed during the run, by WebSocket close code (0: no close frame)
 * @param errors error frames, unreadable frames, publisher errors
 * @param firstError the first publisher error, or null
 * @param latency the latency histogram of the measured part
 */
public record FanoutResult(
        String transport,
        String target,
        boolean embedded,
        int subscribers,
        int sourceAddresses,
        int rate,
        int payloadBytes,
        double warmupSeconds,
        double durationSeconds,
        double connectSeconds,
        long sent,
        long measuredSent,
        long received,
        long measuredReceived,
        double deliveriesPerSecond,
        long publisherMaxLagNanos,
        Map<Integer, Long> closesByCode,
        long errors,
        String firstError,
        Histogram latency) {

    public FanoutResult {
        closesByCode = Map.copyOf(closesByCode);
    }

    /** Deliveries a lossless run makes: every publication to every subscriber. */
    public long expected() {
        return sent * subscribers;
    }

    /** Deliveries that never arrived (negative if some arrived twice). */
    public long lost() {
        return expected() - received;
    }

    public long closes() {
        return closesByCode.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Every publication reached every subscriber exactly once, and nothing went wrong on the way. */
    public boolean ok() {
        return lost() == 0 && errors == 0 && closes() == 0;
    }

    /** A latency percentile in milliseconds. */
    public double percentileMillis(double percentile) {
        return latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(percentile) / 1e6;
    }

    public double maxMillis() {
        return latency.getTotalCount() == 0 ? Double.NaN : latency.getMaxValue() / 1e6;
    }

    /** The human-readable report. */
    public void print(PrintStream out) {
        out.printf(Locale.ROOT, "target              %s (%s, client transport %s)%n", target,
                embedded ? "embedded server" : "external server", transport);
        out.printf(Locale.ROOT, "connections         %d subscribers from %d source address(es) + 1 publisher, "
                + "set up in %.2f s%n", subscribers, sourceAddresses, connectSeconds);
        out.printf(Locale.ROOT, "load                %d msg/s x %d B payload, %.0f s warmup + %.0f s measured%n",
                rate, payloadBytes, warmupSeconds, durationSeconds);
        out.printf(Locale.ROOT, "publications sent   %d (%d measured), publisher max lag %.3f ms%n", sent,
                measuredSent, publisherMaxLagNanos / 1e6);
        out.printf(Locale.ROOT, "deliveries          %d received / %d expected (lost %d)%n", received, expected(),
                lost());
        if (lost() > 0 && closes() == 0) {
            out.println("                    (missing deliveries did not arrive within the drain timeout; no "
                    + "subscriber was closed, so they were most likely still queued: the offered load exceeds "
                    + "what this setup delivers)");
        }
        out.printf(Locale.ROOT, "delivery rate       %.0f deliveries/s (offered %d/s)%n", deliveriesPerSecond,
                (long) rate * subscribers);
        out.printf(Locale.ROOT, "latency (ms)        p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  "
                + "(%d samples)%n", percentileMillis(50), percentileMillis(90), percentileMillis(99),
                percentileMillis(99.9), maxMillis(), latency.getTotalCount());
        if (closes() > 0) {
            out.printf(Locale.ROOT, "closed early        %s (close code: connections)%n", new TreeMap<>(closesByCode));
        }
        if (errors > 0) {
            out.printf(Locale.ROOT, "errors              %d%s%n", errors, firstError == null ? "" : "; first: " + firstError);
        }
        out.println(ok() ? "result              OK" : "result              FAILED");
    }

    /** One line of JSON with the same figures. */
    public String toJson() {
        StringBuilder b = new StringBuilder(512).append('{');
        field(b, "bench", "fanout");
        field(b, "ok", ok());
        field(b, "transport", transport);
        field(b, "target", target);
        field(b, "embedded", embedded);
        field(b, "subscribers", subscribers);
        field(b, "source_addresses", sourceAddresses);
        field(b, "rate", rate);
        field(b, "payload_bytes", payloadBytes);
        field(b, "warmup_s", warmupSeconds);
        field(b, "duration_s", durationSeconds);
        field(b, "connect_s", round(connectSeconds));
        field(b, "sent", sent);
        field(b, "measured_sent", measuredSent);
        field(b, "expected", expected());
        field(b, "received", received);
        field(b, "lost", lost());
        field(b, "deliveries_per_s", Math.round(deliveriesPerSecond));
        field(b, "publisher_max_lag_ms", round(publisherMaxLagNanos / 1e6));
        field(b, "closed_early", closes());
        field(b, "errors", errors);
        field(b, "latency_samples", latency.getTotalCount());
        field(b, "p50_ms", round(percentileMillis(50)));
        field(b, "p90_ms", round(percentileMillis(90)));
        field(b, "p99_ms", round(percentileMillis(99)));
        field(b, "p999_ms", round(percentileMillis(99.9)));
        field(b, "max_ms", round(maxMillis()));
        b.setLength(b.length() - 1);
        return b.append('}').toString();
    }

    private static Object round(double v) {
        return Double.isNaN(v) ? null : Math.round(v * 1000) / 1000.0;
    }

    private static void field(StringBuilder b, String name, Object value) {
        b.append('"').append(name).append("\":");
        if (value == null) {
            b.append("null");
        } else if (value instanceof String s) {
            b.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '"' || c == '\\') {
                    b.append('\\').append(c);
                } else if (c < 0x20) {
                    b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                } else {
                    b.append(c);
                }
            }
            b.append('"');
        } else {
            b.append(value);
        }
        b.append(',');
    }
}
