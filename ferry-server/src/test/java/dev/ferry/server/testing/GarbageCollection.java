package dev.ferry.server.testing;

import java.lang.ref.WeakReference;
import java.time.Duration;

/** Forcing a garbage collection in a test, so that what only weak references hold is known to be gone. */
public final class GarbageCollection {
    private GarbageCollection() {
    }

    /**
     * Requests collections until an object reachable only through a weak reference has been cleared (at most 50
     * requests, 10 s). A cleared sentinel means a collection ran that cleared every weakly reachable object the
     * collector looked at; with the JVM's default collectors {@code System.gc()} is a full collection.
     */
    public static void collect() {
        WeakReference<Object> sentinel = new WeakReference<>(new Object());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        for (int i = 0; i < 50 && sentinel.get() != null && System.nanoTime() < deadline; i++) {
            System.gc();
        }
        if (sentinel.get() != null) {
            throw new AssertionError("no garbage collection cleared a weak reference after 50 requests");
        }
    }
}
