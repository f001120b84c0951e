package dev.ferry.server.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.core.LauncherConfig;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/** Each skip is printed with its reason, then one line says what sets up what the skipped tests need. */
class SkipReasonsTest {
    /** Run only through the launcher below (the build does not pick nested classes). */
    static class Sample {
        @Test
        void needsAThing() {
            Assumptions.abort("skipped, missing: a thing (apt-get install thing)");
        }

        @Disabled("not on this machine")
        @Test
        void disabled() {
        }

        @Test
        void runs() {
        }
    }

    static class NothingSkipped {
        @Test
        void runs() {
        }
    }

    private static String run(Class<?> tests) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SkipReasons listener = new SkipReasons(new PrintStream(out, true, StandardCharsets.UTF_8));
        LauncherFactory.create(LauncherConfig.builder().enableTestExecutionListenerAutoRegistration(false)
                        .addTestExecutionListeners(listener).build())
                .execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(tests)).build());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void eachSkipIsPrintedWithItsReasonThenWhatToRun() {
        String out = run(Sample.class);
        assertThat(out).contains("[SKIPPED] SkipReasonsTest$Sample.needsAThing: skipped, missing: a thing "
                        + "(apt-get install thing)\n")
                .contains("[SKIPPED] SkipReasonsTest$Sample.disabled: not on this machine\n")
                .doesNotContain("Sample.runs");
        assertThat(out.lines().filter(l -> l.contains("2 tests were skipped"))).singleElement()
                .satisfies(l -> assertThat(l).contains(".ci/run"));
    }

    @Test
    void nothingIsPrintedWhenNothingIsSkipped() {
        assertThat(run(NothingSkipped.class)).isEmpty();
    }
}
