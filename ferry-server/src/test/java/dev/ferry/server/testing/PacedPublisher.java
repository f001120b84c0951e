package dev.ferry.server.testing;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A publisher and a reader of numbered messages 1, 2, ..., each on a thread of its own, the publisher never more
 * than a window of messages ahead of the reader, however fast or slow the machine: it takes a permit per message
 * and the reader gives one back per message read. It never goes on unpaced: when the reader is done (finished or
 * failed), the publisher stops. For tests where one subscriber must keep up while another does not.
 */
public final class PacedPublisher {
    /** Sends or reads message {@code i} (from 1). */
    @FunctionalInterface
    public interface Step {
        void run(int i) throws Exception;
    }

    private final Semaphore window;
    private final AtomicInteger last;
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger read = new AtomicInteger();
    private final CompletableFuture<Integer> published = new CompletableFuture<>();
    private final CompletableFuture<Integer> received = new CompletableFuture<>();

    private PacedPublisher(int window, int last) {
        this.window = new Semaphore(window);
        this.last = new AtomicInteger(last);
    }

    /**
     * Starts publishing messages 1 to {@code last} with {@code publish}, at most {@code window} ahead of
     * {@code read}, which reads them in order.
     */
    public static PacedPublisher start(int window, int last, Step publish, Step read) {
        PacedPublisher p = new PacedPublisher(window, last);
        new Thread(() -> p.readAll(read), "paced-reader").start();
        new Thread(() -> p.publishAll(publish), "paced-publisher").start();
        return p;
    }

    /** Continues until {@code more} messages after those sent so far, instead of to the last one given. */
    public void stopAfter(int more) {
        last.set(sent.get() + more);
    }

    /** The last message published and read. */
    public int last() {
        return last.get();
    }

    public int sent() {
        return sent.get();
    }

    public int read() {
        return read.get();
    }

    /** Completes with how many messages were published (fewer than {@link #last} when the reader failed). */
    public CompletableFuture<Integer> published() {
        return published;
    }

    /** Completes with how many messages were read, or with the reader's failure. */
    public CompletableFuture<Integer> received() {
        return received;
    }

    private void readAll(Step readOne) {
        try {
            for (int i = 1; i <= last.get(); i++) {
                readOne.run(i);
                read.set(i);
                window.release();
            }
            received.complete(last.get());
        } catch (Throwable t) {
            received.completeExceptionally(t);
        }
    }

    private void publishAll(Step publish) {
        try {
            for (int i = 1; i <= last.get(); i++) {
                while (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    if (received.isDone()) {
                        published.complete(i - 1); // the reader failed: its error is the one reported
                        return;
                    }
                }
                publish.run(i);
                sent.set(i);
            }
            published.complete(last.get());
        } catch (Throwable t) {
            published.completeExceptionally(t);
        }
    }
}
