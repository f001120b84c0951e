package dev.ferry.server.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.EventExecutor;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HandoffTest {
    private final EventExecutor source = new DefaultEventExecutor();
    private final EventExecutor target = new DefaultEventExecutor();
    private final Handoff handoff = new Handoff();
    private final List<String> ran = new CopyOnWriteArrayList<>();
    private final CountDownLatch done = new CountDownLatch(1);

    @AfterEach
    void stop() throws InterruptedException {
        source.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        target.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    private Runnable record(String name) {
        return () -> {
            assertThat(target.inEventLoop()).as("%s runs on the target loop", name).isTrue();
            ran.add(name);
        };
    }

    private void awaitDone() throws InterruptedException {
        assertThat(done.await(5, TimeUnit.SECONDS)).as("the last task ran").isTrue();
    }

    @Test
    void whatOneRunHandsOverIsRunAfterTheRunInOrder() throws InterruptedException {
        source.execute(() -> {
            handoff.execute(target, record("a"));
            target.execute(record("queued directly in between"));
            handoff.execute(target, record("b"));
            handoff.execute(target, record("c"));
            handoff.execute(target, done::countDown);
        });
        awaitDone();
        // the target is told only once the source's run is over: a task queued on it directly comes first
        assertThat(ran).containsExactly("queued directly in between", "a", "b", "c");
    }

    @Test
    void tasksFromTwoLoopsRunInTheOrderTheyWereHandedOver() throws InterruptedException {
        EventExecutor other = new DefaultEventExecutor();
        try {
            CountDownLatch firstHandedOver = new CountDownLatch(1);
            CountDownLatch secondHandedOver = new CountDownLatch(1);
            source.execute(() -> {
                handoff.execute(target, record("first, from a run that ends later"));
                firstHandedOver.countDown();
                awaitQuietly(secondHandedOver);
            });
            other.execute(() -> {
                awaitQuietly(firstHandedOver);
                handoff.execute(target, record("second, from a run that ends sooner"));
                handoff.execute(target, done::countDown);
                secondHandedOver.countDown();
            });
            awaitDone();
            assertThat(ran).containsExactly("first, from a run that ends later", "second, from a run that ends sooner");
        } finally {
            other.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            assertThat(latch.await(5, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void theOtherLoopsAreToldBeforeTheLoopsOwnInboxRuns() throws InterruptedException {
        CountDownLatch otherRan = new CountDownLatch(1);
        source.execute(() -> {
            handoff.execute(source, () -> {
                // work for this loop (deliveries to its own subscribers) must not hold the other loop back
                try {
                    if (otherRan.await(5, TimeUnit.SECONDS)) {
                        ran.add("own, after the other loop started");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                done.countDown();
            });
            handoff.execute(target, otherRan::countDown);
        });
        awaitDone();
        assertThat(ran).containsExactly("own, after the other loop started");
    }

    @Test
    void consecutiveRunsSendConsecutiveBatches() throws InterruptedException {
        for (int run = 0; run < 50; run++) {
            String name = "run " + run;
            source.execute(() -> handoff.execute(target, record(name)));
        }
        source.execute(() -> handoff.execute(target, done::countDown));
        awaitDone();
        assertThat(ran).hasSize(50);
        for (int run = 0; run < 50; run++) {
            assertThat(ran.get(run)).isEqualTo("run " + run);
        }
    }

    @Test
    void offAnyEventLoopATaskIsQueuedAtOnce() throws InterruptedException {
        handoff.execute(target, record("handed over"));
        target.execute(record("queued after"));
        target.execute(done::countDown);
        awaitDone();
        assertThat(ran).containsExactly("handed over", "queued after");
    }

    @Test
    void onTheTargetItselfATaskIsQueuedNotRunInline() throws InterruptedException {
        target.execute(() -> {
            handoff.execute(target, record("handed over"));
            ran.add("rest of the current task");
            target.execute(done::countDown);
        });
        awaitDone();
        assertThat(ran).containsExactly("rest of the current task", "handed over");
    }

    @Test
    void aFailingTaskDoesNotKeepTheRestOfItsBatchFromRunning() throws InterruptedException {
        source.execute(() -> {
            handoff.execute(target, () -> {
                throw new IllegalStateException("expected by the test");
            });
            handoff.execute(target, record("after the failure"));
            handoff.execute(target, done::countDown);
        });
        awaitDone();
        assertThat(ran).containsExactly("after the failure");
    }

    @Test
    void aTargetThatRefusesWorkHasTheOwningTasksAbandoned() throws InterruptedException {
        assertThat(target.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS)).isTrue();
        CountDownLatch abandoned = new CountDownLatch(2);
        source.execute(() -> {
            handoff.execute(target, owning(abandoned));
            handoff.execute(target, () -> ran.add("not owning: dropped"));
            handoff.execute(target, owning(abandoned));
        });
        assertThat(abandoned.await(5, TimeUnit.SECONDS)).as("both owning tasks abandoned").isTrue();
        assertThat(ran).isEmpty();
    }

    private Handoff.Owning owning(CountDownLatch abandoned) {
        return new Handoff.Owning() {
            @Override
            public void run() {
                ran.add("ran on a loop that had shut down");
            }

            @Override
            public void abandon() {
                abandoned.countDown();
            }
        };
    }
}
