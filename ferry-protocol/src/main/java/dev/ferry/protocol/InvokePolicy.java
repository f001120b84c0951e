package dev.ferry.protocol;

import java.util.Locale;

/**
 * How a call picks among the callees that registered one procedure (docs/protocol.md, "call, invoke, reply"), as
 * WAMP's shared registrations define the policies. Every callee of a procedure registers it with the same policy.
 */
public enum InvokePolicy {
    /** One callee only: a second registration is refused. */
    SINGLE,
    /** The callees in turn. */
    ROUNDROBIN,
    /** A callee drawn at random, uniformly. */
    RANDOM,
    /** The callee that registered first among those still registered. */
    FIRST,
    /** The callee that registered last. */
    LAST;

    /** The policy when a {@code register} names none: several callees, in turn. */
    public static final InvokePolicy DEFAULT = ROUNDROBIN;

    /** {@code single}, {@code roundrobin}, {@code random}, {@code first} or {@code last}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The policy spelt {@code wire}, or null when it is none of them. */
    public static InvokePolicy fromWire(String wire) {
        for (InvokePolicy p : values()) {
            if (p.wire().equals(wire)) {
                return p;
            }
        }
        return null;
    }
}
