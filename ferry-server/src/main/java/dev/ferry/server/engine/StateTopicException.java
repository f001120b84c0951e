package dev.ferry.server.engine;

/** A plain publication to a topic that is a state channel: only state writes may change it. */
public final class StateTopicException extends RuntimeException {
    public StateTopicException(String topic) {
        super("\"" + topic + "\" is a state channel: change it with state_update (or PATCH /v1/state/" + topic + ")",
                null, false, false);
    }

    /** Whether {@code failure} (as a stage reports it, possibly wrapped) is a refused plain publication. */
    public static boolean in(Throwable failure) {
        return Causes.in(failure, StateTopicException.class);
    }
}
