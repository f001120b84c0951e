package dev.ferry.server.testing;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints why each test was skipped, in the build output: Maven's console only counts skips, and the reasons (a
 * missing Node package, browser or broker, see {@link Requirements}) would otherwise sit in the XML reports. After
 * the test run, one line says what sets everything up. Registered for every module whose tests use this
 * module's test jar (META-INF/services/org.junit.platform.launcher.TestExecutionListener).
 */
public final class SkipReasons implements TestExecutionListener {
    /** What installs and starts everything the skipping tests need (README.md, "Layout"). */
    static final String SETUP = ".ci/run installs and starts what they need (Node and the npm packages, Chromium, "
            + "Python packages, Redis, RabbitMQ), then runs mvn verify";

    private final PrintStream out;
    private final List<String> skipped = new ArrayList<>();

    /**
     * Writes to the process's own standard error: the build redirects what tests print to System.out and
     * System.err into report files (redirectTestOutputToFile), and this must reach the console.
     */
    public SkipReasons() {
        this(new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));
    }

    SkipReasons(PrintStream out) {
        this.out = out;
    }

    @Override
    public synchronized void executionSkipped(TestIdentifier test, String reason) {
        report(test, reason);
    }

    @Override
    public synchronized void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
            report(test, result.getThrowable().map(Throwable::getMessage).orElse("aborted"));
        }
    }

    @Override
    public synchronized void testPlanExecutionFinished(TestPlan plan) {
        if (!skipped.isEmpty()) {
            out.println("[SKIPPED] " + skipped.size() + (skipped.size() == 1 ? " test was" : " tests were")
                    + " skipped (reasons above); " + SETUP);
            skipped.clear();
        }
    }

    private void report(TestIdentifier test, String reason) {
        String name = name(test);
        skipped.add(name);
        out.println("[SKIPPED] " + name + ": " + (reason == null || reason.isBlank() ? "no reason given" : reason));
    }

    /** {@code Class.method} for a test method, the class's simple name for a class, else the display name. */
    static String name(TestIdentifier test) {
        TestSource source = test.getSource().orElse(null);
        if (source instanceof MethodSource m) {
            String cls = m.getClassName();
            return cls.substring(cls.lastIndexOf('.') + 1) + "." + m.getMethodName();
        }
        if (source instanceof ClassSource c) {
            String cls = c.getClassName();
            return cls.substring(cls.lastIndexOf('.') + 1);
        }
        return test.getDisplayName();
    }
}
