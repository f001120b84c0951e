package dev.ferry.bench.peers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A peer's server process as Linux shows it: resident memory from {@code /proc/<pid>/status} ({@code VmRSS}),
 * CPU time from {@code /proc/<pid>/stat} (utime + stime), and for a JVM a full GC and the heap in use through
 * {@code jcmd}.
 */
final class ServerProcess {
    /** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
    static final int TICKS_PER_SECOND = 100;
    private static final Pattern VM_RSS = Pattern.compile("VmRSS:\\s+(\\d+) kB");
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

    private final long pid;

    ServerProcess(long pid) {
        this.pid = pid;
    }

    long pid() {
        return pid;
    }

    /** Resident set size in bytes. */
    long rssBytes() throws IOException {
        return rss(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
    }

    static long rss(String status) throws IOException {
        Matcher m = VM_RSS.matcher(status);
        if (!m.find()) {
            throw new IOException("no VmRSS in the process status");
        }
        return Long.parseLong(m.group(1)) * 1024;
    }

    /** User plus system CPU time in clock ticks. */
    long cpuTicks() throws IOException {
        return cpuTicks(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    }

    static long cpuTicks(String stat) {
        // fields after the command name, which is in parentheses and may hold spaces: state is field 3, utime 14
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** Runs a full GC in the JVM ({@code jcmd <pid> GC.run}). */
    void fullGc() throws IOException, InterruptedException {
        jcmd("GC.run");
    }

    /** Heap in use, in bytes ({@code jcmd <pid> GC.heap_info}). */
    long heapUsedBytes() throws IOException, InterruptedException {
        return heapUsed(jcmd("GC.heap_info"));
    }

    static long heapUsed(String heapInfo) throws IOException {
        Matcher m = HEAP_USED.matcher(heapInfo);
        if (!m.find()) {
            throw new IOException("no heap use in: " + heapInfo);
        }
        return Long.parseLong(m.group(1)) * 1024;
    }

    private String jcmd(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("jcmd " + pid + " " + command + " failed: " + new String(out, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
