package dev.ferry.server.rpc;

import dev.ferry.server.auth.Identity;
import java.util.Objects;

/**
 * Who makes a call: its transport (as the server API names it: {@code ws}, {@code fallback}, {@code wamp},
 * {@code http}, ...), its connection's id (null for an HTTP API request, which has none) and its identity.
 */
public record CallOrigin(String transport, String connection, Identity identity) {
    /** A caller nothing is known of. */
    public static final CallOrigin UNKNOWN = new CallOrigin("other", null, Identity.ANONYMOUS);

    public CallOrigin {
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(identity, "identity");
    }
}
