package dev.ferry.server.engine;

/** How callers recognise an engine failure of a given type, however a stage wrapped it. */
final class Causes {
    private Causes() {
    }

    /** Whether {@code failure} or one of its causes is a {@code type}. */
    static boolean in(Throwable failure, Class<? extends Throwable> type) {
        return find(failure, type) != null;
    }

    /** The first of {@code failure} and its causes that is a {@code type}, or null. */
    static <T extends Throwable> T find(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
