package dev.ferry.cli.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code java -jar ferry.jar ...} process, as a user runs it (failsafe runs these tests after {@code package}):
 * its output is read on a thread of its own (so the pipe never fills), its last lines are kept for failure
 * messages, and a test waits for the line that says where it listens. {@link #close} sends SIGTERM (the server
 * drains and exits) and kills what is still alive 30 s later.
 */
public final class JarProcess implements AutoCloseable {
    private static final int KEPT_LINES = 200;

    private final String name;
    private final Process process;
    private final ArrayDeque<String> lastLines = new ArrayDeque<>();
    private final List<Waiter> waiters = new ArrayList<>();
    private boolean ended;

    private record Waiter(Pattern pattern, CompletableFuture<Matcher> match) {
    }

    private JarProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        Thread reader = new Thread(this::read, "ferry-jar-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    /** The runnable jar ferry-cli's {@code package} built. */
    public static Path jar() {
        Path jar = Path.of(System.getProperty("basedir", "."), "target", "ferry.jar").toAbsolutePath().normalize();
        assertThat(jar).as("the runnable jar (mvn package)").isRegularFile();
        return jar;
    }

    /** Starts {@code java -jar ferry.jar} with these arguments; {@code name} labels its output in failures. */
    public static JarProcess start(String name, List<String> args) throws IOException {
        return start(name, args, Map.of());
    }

    /** Starts {@code java -jar ferry.jar} with these arguments and environment variables added to the test's. */
    public static JarProcess start(String name, List<String> args, Map<String, String> env) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-jar", jar().toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process process = pb.start();
        process.getOutputStream().close();
        return new JarProcess(name, process);
    }

    /** {@code ferry serve} on 127.0.0.1, port 0, with {@code --set} for each of {@code settings}. */
    public static JarProcess serve(List<String> settings) throws IOException {
        List<String> args = new ArrayList<>(List.of("serve", "--host", "127.0.0.1", "--port", "0"));
        for (String s : settings) {
            args.add("--set");
            args.add(s);
        }
        return start("serve", args);
    }

    private void read() {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                synchronized (this) {
                    if (lastLines.size() == KEPT_LINES) {
                        lastLines.pollFirst();
                    }
                    lastLines.addLast(line);
                    for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
                        Waiter w = it.next();
                        Matcher m = w.pattern.matcher(line);
                        if (m.find()) {
                            w.match.complete(m);
                            it.remove();
                        }
                    }
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
        synchronized (this) {
            ended = true;
            waiters.forEach(w -> w.match.completeExceptionally(new AssertionError(name + " ended before printing " + w.pattern)));
            waiters.clear();
        }
    }

    /** The first line (among the kept ones and those to come) in which {@code pattern} is found. */
    public Matcher await(Pattern pattern, Duration timeout) throws InterruptedException {
        CompletableFuture<Matcher> match = new CompletableFuture<>();
        synchronized (this) {
            for (String line : lastLines) {
                Matcher m = pattern.matcher(line);
                if (m.find()) {
                    return m;
                }
            }
            if (ended) {
                throw new AssertionError(name + " ended before printing " + pattern + ":\n" + log());
            }
            waiters.add(new Waiter(pattern, match));
        }
        try {
            return match.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(name + " did not print " + pattern + " within " + timeout + ":\n" + log());
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause().getMessage() + ":\n" + log());
        }
    }

    /** The HTTP base URL a {@code ferry serve} logs ({@code http://127.0.0.1:PORT}). */
    public String httpUrl(Duration timeout) throws InterruptedException {
        return await(Pattern.compile("HTTP API at (http://127\\.0\\.0\\.1:\\d+)"), timeout).group(1);
    }

    /** The last lines it printed. */
    public synchronized String log() {
        return "--- " + name + " ---\n" + String.join("\n", lastLines);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
