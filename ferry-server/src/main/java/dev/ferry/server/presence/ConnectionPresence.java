package dev.ferry.server.presence;

import dev.ferry.server.store.PresenceEntry;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.Topics;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.config.PresenceConfig;
import dev.ferry.server.hub.Subscriber;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The presence of one connection: the topics it is listed in (its concrete subscriptions that a presence rule
 * covers) and those whose pushes it asked for. Wildcard subscriptions are never listed: presence is per concrete
 * topic. Every method is called on the connection's event loop.
 */
public final class ConnectionPresence {
    private final Presence presence;
    private final Subscriber connection;
    private String id;
    /** The connection's id in the server API, which events out name it by. */
    private final String connectionId;

    // ---- event loop only
    // Both stay the shared empty ones until first written: most connections are in no presence topic.
    private Map<String, PresenceEntry> listed = java.util.Collections.emptyMap();
    private Set<String> watching = java.util.Collections.emptySet();

    /** The presence of {@code connection}, whose id in the server API is {@code connectionId}. */
    public ConnectionPresence(Presence presence, Subscriber connection, String connectionId) {
        this.presence = presence;
        this.connection = connection;
        this.connectionId = connectionId;
    }

    /** This connection's id in presence entries (given when first needed). */
    public String id() {
        if (id == null) {
            id = presence.newConnectionId();
        }
        return id;
    }

    /** Why the presence members of {@code sub} are refused ({@code bad_presence}), or null. */
    public String check(Frame.Sub sub) {
        if (sub.presence() == null && !sub.presenceEvents()) {
            return null;
        }
        if (Topics.hasWildcard(sub.topic())) {
            return "presence is kept per concrete topic: \"presence\" and \"presence_events\" are not allowed on the "
                    + "pattern \"" + sub.topic() + "\"";
        }
        PresenceConfig.Rule rule = presence.ruleFor(sub.topic());
        if (rule == null) {
            return notKept(sub.topic());
        }
        Payload info = sub.presence();
        if (info != null) {
            if (info.length() == 0 || info.bytes()[0] != '{') {
                return "presence: the client info must be a JSON object";
            }
            if (info.length() > rule.maxInfoBytes()) {
                return "presence: the client info has " + info.length() + " bytes (at most " + rule.maxInfoBytes()
                        + ", presence.rules." + rule.name() + ".max-info-bytes)";
            }
        }
        return null;
    }

    /** The {@code bad_presence} message for a topic without presence. */
    public static String notKept(String topic) {
        return "presence is not kept for \"" + topic + "\" (no presence.rules pattern covers it)";
    }

    /**
     * The connection subscribes (or subscribes again) with {@code sub}, checked by {@link #check}: lists it in
     * the topic when a rule covers it (with the new info), and starts or stops the topic's pushes. Call before
     * the subscription is made, so that the entry is stored by the time the {@code sub} is answered.
     */
    public void subscribing(Frame.Sub sub, Identity identity) {
        if (Topics.hasWildcard(sub.topic())) {
            return;
        }
        PresenceConfig.Rule rule = presence.ruleFor(sub.topic());
        if (rule == null) {
            return;
        }
        events(sub.topic(), sub.presenceEvents()); // first: a watcher sees its own join
        PresenceEntry old = listed.get(sub.topic());
        Payload info = sub.presence() == null ? identityInfo(identity, rule) : Payload.json(sub.presence().bytes());
        // joined again even when nothing changed: a topic that was full may have room now (an unchanged entry
        // is no change for the stores, so nobody hears of it)
        PresenceEntry e = new PresenceEntry(id(), user(identity), info, old == null ? presence.millis() : old.joined());
        if (listed.isEmpty()) {
            listed = new HashMap<>(4);
        }
        listed.put(sub.topic(), e);
        var joined = presence.join(sub.topic(), e, rule);
        var events = presence.eventsOut();
        if (old == null && events.enabled()) {
            String topic = sub.topic();
            joined.thenAccept(isListed -> {
                if (isListed) {
                    events.presenceJoined(topic, connectionId, e.user());
                }
            });
        }
    }

    /**
     * The presence info the connect hook's answer gave the identity (its {@code info}), when it fits the rule's
     * {@code max-info-bytes}; else null.
     */
    private static Payload identityInfo(Identity identity, PresenceConfig.Rule rule) {
        if (identity == null || identity.claims() == null
                || !(identity.claims().get("ferry.info") instanceof String json)) {
            return null;
        }
        byte[] bytes = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return bytes.length <= rule.maxInfoBytes() ? Payload.json(bytes) : null;
    }

    /** The subscription of {@code topic} was dropped or failed (without having been held before). */
    public void unsubscribed(String topic) {
        PresenceEntry e = listed.remove(topic);
        if (e != null) {
            presence.leave(topic, e);
            presence.eventsOut().presenceLeft(topic, connectionId, e.user());
        }
        events(topic, false);
    }

    /** Starts or stops the pushes of {@code topic}. */
    public void events(String topic, boolean on) {
        if (on && watching.isEmpty()) {
            watching = new HashSet<>(4);
        }
        if (on && watching.add(topic)) {
            presence.watch(topic, connection);
        } else if (!on && watching.remove(topic)) {
            presence.unwatch(topic, connection);
        }
    }

    /** The topics whose pushes this connection receives. */
    public List<String> watching() {
        return List.copyOf(watching);
    }

    /** The connection's identity changed ({@code auth}): its entries name the new user. */
    public void identityChanged(Identity identity) {
        String user = user(identity);
        listed.replaceAll((topic, e) -> {
            if (java.util.Objects.equals(e.user(), user)) {
                return e;
            }
            PresenceEntry next = new PresenceEntry(e.conn(), user, e.info(), e.joined());
            PresenceConfig.Rule rule = presence.ruleFor(topic);
            if (rule != null) {
                presence.join(topic, next, rule);
            }
            return next;
        });
    }

    /** The connection closed: every entry and watch goes. Idempotent. */
    public void closed() {
        var events = presence.eventsOut();
        listed.forEach((topic, e) -> {
            presence.leave(topic, e);
            events.presenceLeft(topic, connectionId, e.user());
        });
        listed.clear();
        watching.forEach(t -> presence.unwatch(t, connection));
        watching.clear();
    }

    private static String user(Identity identity) {
        return identity.kind() == Identity.Kind.ANONYMOUS ? null : identity.name();
    }
}
