package dev.ferry.server.engine;

/**
 * A publication (or state write) to a topic the engine does not hold while it already holds
 * {@code limits.max-topics} topics: nothing was published. Topics are freed once idle (see {@link MemoryEngine}),
 * so a later attempt may succeed.
 */
public final class TooManyTopicsException extends RuntimeException {
    public TooManyTopicsException(int max) {
        super("this node already holds " + max + " topics (limits.max-topics); nothing was published: try again"
                + " once idle topics are freed", null, false, false);
    }

    /** The refusal behind {@code failure} (as a stage reports it, possibly wrapped), or null when it is another fault. */
    public static TooManyTopicsException in(Throwable failure) {
        return Causes.find(failure, TooManyTopicsException.class);
    }
}
