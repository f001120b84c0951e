package dev.ferry.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.auth.MessageRate.Verdict;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The message rate's verdicts, with time chosen by the test. */
class MessageRateTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void beyondTheBurstFramesAreRefusedUpToTheExcessThenTheNextCloses() {
        MessageRate r = new MessageRate(10, 5, 3, 0);
        for (int i = 0; i < 5; i++) {
            assertThat(r.take(0)).isEqualTo(Verdict.ACCEPT);
        }
        assertThat(r.exhausted(0)).isFalse();
        for (int i = 0; i < 3; i++) {
            assertThat(r.take(0)).isEqualTo(Verdict.REFUSE);
        }
        assertThat(r.exhausted(0)).isTrue(); // checked before decoding: the next frame would close
        assertThat(r.take(0)).isEqualTo(Verdict.CLOSE);
    }

    @Test
    void aClientThatSlowsDownWhenToldKeepsItsConnection() {
        MessageRate r = new MessageRate(10, 1, 3, 0);
        long now = 0;
        for (int round = 0; round < 20; round++) {
            assertThat(r.take(now)).isEqualTo(Verdict.ACCEPT);
            assertThat(r.take(now)).isEqualTo(Verdict.REFUSE); // told once, it waits for the window to pass
            now += 1000 * MS;
        }
        assertThat(r.exhausted(now)).isFalse();
    }

    @Test
    void refusalsAreCountedPerWindowOfOneSecondFromTheFirst() {
        MessageRate r = new MessageRate(1, 1, 2, 0);
        assertThat(r.take(0)).isEqualTo(Verdict.ACCEPT);
        assertThat(r.take(10 * MS)).isEqualTo(Verdict.REFUSE); // opens the window at 10 ms
        assertThat(r.take(500 * MS)).isEqualTo(Verdict.REFUSE);
        assertThat(r.exhausted(900 * MS)).isTrue();
        assertThat(r.exhausted(1010 * MS)).isFalse(); // the window is over (and a token came back)
        assertThat(r.take(1010 * MS)).isEqualTo(Verdict.ACCEPT);
        assertThat(r.take(1020 * MS)).isEqualTo(Verdict.REFUSE); // a new window
        assertThat(r.take(1030 * MS)).isEqualTo(Verdict.REFUSE);
        assertThat(r.take(1040 * MS)).isEqualTo(Verdict.CLOSE);
    }

    @Test
    void noExcessClosesAtTheFirstRefusal() {
        MessageRate r = new MessageRate(5, 1, 0, 0);
        assertThat(r.take(0)).isEqualTo(Verdict.ACCEPT);
        assertThat(r.exhausted(0)).isTrue();
        assertThat(r.take(0)).isEqualTo(Verdict.CLOSE);
    }
}
