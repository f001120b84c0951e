package dev.ferry.protocol;

import java.util.Locale;

/**
 * How a {@code cancel} ends a call in flight (docs/protocol.md, "progress and cancel"), as WAMP's call canceling
 * defines the three modes.
 */
public enum CancelMode {
    /** The caller gets {@code canceled} at once; the callee is not told, and its reply is dropped. */
    SKIP,
    /**
     * The callee gets an {@code interrupt}; the caller waits for the callee's reply: an error reply reaches it as
     * {@code canceled}, a result as the result.
     */
    KILL,
    /** The callee gets an {@code interrupt} and the caller {@code canceled} at once; the callee's reply is dropped. */
    KILLNOWAIT;

    /** The mode when a {@code cancel} names none. */
    public static final CancelMode DEFAULT = KILLNOWAIT;

    /** {@code skip}, {@code kill} or {@code killnowait}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode spelt {@code wire}, or null when it is none of them. */
    public static CancelMode fromWire(String wire) {
        for (CancelMode m : values()) {
            if (m.wire().equals(wire)) {
                return m;
            }
        }
        return null;
    }
}
