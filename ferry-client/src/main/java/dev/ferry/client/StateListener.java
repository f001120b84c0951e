package dev.ferry.client;

/** Told of every change of a {@link StateReplica}, in version order, on the client's dispatch thread. */
@FunctionalInterface
public interface StateListener {
    void onChange(StateChange change);
}
