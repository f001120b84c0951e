package dev.ferry.server.testing;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * For tests that need something outside the JVM (Node, a broker, a browser): skip with a clear message where it
 * is missing, but fail under {@code CI=true}, where a skipped test would hide a missing install step.
 */
public final class Requirements {
    private Requirements() {
    }

    public static void require(boolean available, String what) {
        if (available) {
            return;
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            Assertions.fail("required under CI=true but missing: " + what);
        }
        Assumptions.abort("skipped, missing: " + what);
    }
}
