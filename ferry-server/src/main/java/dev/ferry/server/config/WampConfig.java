package dev.ferry.server.config;

import dev.ferry.protocol.Topics;
import java.util.List;

/**
 * The WAMP endpoint's realms (docs/wamp.md, "Realms"): a WAMP session joins one realm, and the URIs it uses are
 * Ferry topics and procedures under the realm's topic prefix. With no {@code wamp.realms} configured, the one realm
 * is {@link #DEFAULT_REALM}, mapped to no prefix.
 *
 * @param realms the realms by name ({@code wamp.realms.<name>.topic-prefix}), in name order
 */
public record WampConfig(List<Realm> realms) {
    /** The realm of a server that configures none (Autobahn's examples join it). */
    public static final String DEFAULT_REALM = "realm1";
    public static final WampConfig DEFAULT = new WampConfig(List.of());

    /**
     * One realm: URI {@code u} of this realm is Ferry topic {@code <topicPrefix>.u}, or {@code u} itself when the
     * prefix is empty.
     */
    public record Realm(String name, String topicPrefix) {
        public Realm {
            String key = "wamp.realms." + name + ".topic-prefix";
            topicPrefix = topicPrefix == null ? "" : topicPrefix;
            String why = topicPrefix.isEmpty() ? null : Topics.checkTopic(topicPrefix);
            if (why != null) {
                throw new ConfigException(key + ": " + why + " (expected: topic words without wildcards, or empty)");
            }
        }
    }

    public WampConfig {
        realms = List.copyOf(Checks.notNull("wamp.realms", realms));
    }

    /** The realm called {@code name}, or null when there is none by that name. */
    public Realm realm(String name) {
        if (realms.isEmpty()) {
            return DEFAULT_REALM.equals(name) ? new Realm(DEFAULT_REALM, "") : null;
        }
        for (Realm r : realms) {
            if (r.name().equals(name)) {
                return r;
            }
        }
        return null;
    }
}
