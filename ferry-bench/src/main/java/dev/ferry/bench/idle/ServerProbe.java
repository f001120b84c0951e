package dev.ferry.bench.idle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a JVM process from outside: resident memory and CPU from {@code /proc/<pid>}, heap and class histogram
 * through {@code jcmd} (which must be on the PATH, from the same JDK as the target).
 */
final class ServerProbe {
    private static final Pattern USED = Pattern.compile("used (\\d+)K");
    private static final Pattern HISTOGRAM_ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+).*$");
    private static final long JCMD_TIMEOUT_SECONDS = 120;

    private final long pid;

    ServerProbe(long pid) {
        this.pid = pid;
        if (!Files.isDirectory(Path.of("/proc", Long.toString(pid)))) {
            throw new IllegalArgumentException("pid: " + pid + " (expected: a running process)");
        }
    }

    /** VmRSS of /proc/pid/status, in KiB. */
    long rssKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS in /proc/" + pid + "/status");
    }

    /** User plus system CPU of the process so far, in clock ticks (fields 14 and 15 of /proc/pid/stat). */
    long cpuTicks() throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** Asks for a full GC ({@code jcmd <pid> GC.run}) and waits for it. */
    void fullGc() throws IOException, InterruptedException {
        jcmd("GC.run");
    }

    /**
     * Heap in use as {@code GC.heap_info} reports it, in KiB: the sum of the "used" figures of the lines that give a
     * space's total (the whole heap for G1; young plus old generation for Serial and Parallel).
     */
    long heapUsedKib() throws IOException, InterruptedException {
        String out = jcmd("GC.heap_info");
        long used = 0;
        boolean found = false;
        for (String line : out.split("\n")) {
            Matcher m = USED.matcher(line);
            if (line.contains(" total ") && !line.contains("Metaspace") && m.find()) {
                used += Long.parseLong(m.group(1));
                found = true;
            }
        }
        if (!found) {
            throw new IOException("no \"total ..., used ...K\" in GC.heap_info output: " + out);
        }
        return used;
    }

    /** Live objects by class ({@code GC.class_histogram}, which collects first): class name to {instances, bytes}. */
    Map<String, long[]> classHistogram() throws IOException, InterruptedException {
        Map<String, long[]> rows = new HashMap<>();
        for (String line : jcmd("GC.class_histogram").split("\n")) {
            Matcher m = HISTOGRAM_ROW.matcher(line);
            if (m.matches()) {
                rows.put(m.group(3), new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
            }
        }
        return rows;
    }

    /** Marks the native memory baseline (the server must run with {@code -XX:NativeMemoryTracking=summary}). */
    void nativeMemoryBaseline() throws IOException, InterruptedException {
        jcmd("VM.native_memory", "baseline");
    }

    /** Native memory by JVM category, as the change since {@link #nativeMemoryBaseline}. */
    String nativeMemoryDiff() throws IOException, InterruptedException {
        return jcmd("VM.native_memory", "summary.diff", "scale=KB");
    }

    private String jcmd(String... command) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("jcmd", Long.toString(pid)));
        argv.addAll(List.of(command));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(JCMD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("jcmd " + pid + " " + String.join(" ", command) + " timed out");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException("jcmd " + pid + " " + String.join(" ", command) + " exited " + p.exitValue() + ": " + text);
        }
        return text;
    }

    /** The classes whose live bytes grew most from {@code before} to {@code after}: {name, instances, bytes} deltas. */
    static List<Object[]> growth(Map<String, long[]> before, Map<String, long[]> after, int top) {
        List<Object[]> rows = new ArrayList<>();
        after.forEach((name, a) -> {
            long[] b = before.getOrDefault(name, new long[2]);
            rows.add(new Object[] {name, a[0] - b[0], a[1] - b[1]});
        });
        rows.sort((x, y) -> Long.compare((long) y[2], (long) x[2]));
        return rows.subList(0, Math.min(top, rows.size()));
    }
}
