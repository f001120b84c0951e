package dev.ferry.server.engine;

/**
 * A publication was handed to the engine's backend, which did not answer in time (or the connection to it broke
 * before the answer came): it may have been published or not. Clients are told {@code outcome_unknown}, and a
 * retry with the same publication id publishes nothing twice (docs/protocol.md, "pub"). A failure of any other
 * type means the publication was not made.
 */
public final class OutcomeUnknownException extends RuntimeException {
    public OutcomeUnknownException(String message, Throwable cause) {
        super(message, cause, false, false);
    }

    /**
     * What a client is told with {@code outcome_unknown}, naming where its publication id goes ({@code pub_id}, or
     * the HTTP header).
     */
    public static String advice(String idName) {
        return "the cluster backend did not answer in time: the publication may or may not have been made; retry "
                + "with the same " + idName + " to publish it exactly once";
    }

    /** Whether {@code failure} (as a stage reports it, possibly wrapped) left the outcome unknown. */
    public static boolean in(Throwable failure) {
        return Causes.in(failure, OutcomeUnknownException.class);
    }
}
