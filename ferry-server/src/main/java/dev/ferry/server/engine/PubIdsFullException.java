package dev.ferry.server.engine;

/**
 * A publication with a publication id while the node already remembers as many ids as it may
 * ({@code publish.dedup-max-ids}); nothing was published. Clients are told {@code too_many_pub_ids}.
 */
public final class PubIdsFullException extends RuntimeException {
    public PubIdsFullException(int max) {
        super("this node already remembers " + max + " publication ids (publish.dedup-max-ids); try again later",
                null, false, false);
    }

    /** Whether {@code failure} (as a stage reports it, possibly wrapped) is a refusal for lack of room. */
    public static boolean in(Throwable failure) {
        return Causes.in(failure, PubIdsFullException.class);
    }
}
