package dev.ferry.server.auth;

import dev.ferry.server.time.ServerClock;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Identities an operator has forbidden to connect for a while (a disconnect with {@code ban}, docs/http-api.md).
 * A ban is of a name (a token's subject, an API key's or a certificate's name, whatever the issuer): new
 * connections of an identity of that name are refused {@code 403 banned} until the ban ends. At most {@link #MAX}
 * bans at once; they end on the server clock. Thread-safe.
 */
public final class Bans {
    /** The most bans held at once; a new ban beyond it is refused. */
    public static final int MAX = 10_000;

    private final ServerClock clock;
    /** Banned name to the epoch millisecond the ban ends at. */
    private final Map<String, Long> until = new ConcurrentHashMap<>();

    public Bans(ServerClock clock) {
        this.clock = clock;
    }

    /**
     * Bans {@code name} for {@code millis} (a later end wins over an earlier one); false when {@link #MAX} other
     * bans are in force.
     */
    public boolean ban(String name, long millis) {
        long now = clock.millis();
        String key = Objects.requireNonNull(name, "name");
        if (until.size() >= MAX && !until.containsKey(key)) {
            until.values().removeIf(end -> end <= now);
            if (until.size() >= MAX) {
                return false;
            }
        }
        until.merge(key, now + millis, Math::max);
        return true;
    }

    /** The bans in force: banned name to the epoch millisecond its ban ends at. */
    public Map<String, Long> inForce() {
        long now = clock.millis();
        Map<String, Long> out = new java.util.HashMap<>();
        until.forEach((name, end) -> {
            if (end > now) {
                out.put(name, end);
            }
        });
        return out;
    }

    /** When the ban of {@code name} ends, or null when it is not banned. */
    public Instant bannedUntil(String name) {
        if (until.isEmpty() || name == null) {
            return null;
        }
        Long end = until.get(name);
        if (end == null) {
            return null;
        }
        if (end <= clock.millis()) {
            until.remove(name, end);
            return null;
        }
        return Instant.ofEpochMilli(end);
    }

    /** {@code 403 banned} when {@code outcome} is an identity under a ban, else {@code outcome} itself. */
    public AuthOutcome admit(AuthOutcome outcome) {
        if (outcome instanceof Identity identity) {
            Instant end = identity.kind() == Identity.Kind.ANONYMOUS ? null : bannedUntil(identity.name());
            if (end != null) {
                return new AuthError(403, "banned", identity.describe() + " may not connect until " + end
                        + " (an operator disconnected it with a ban)");
            }
        }
        return outcome;
    }
}
