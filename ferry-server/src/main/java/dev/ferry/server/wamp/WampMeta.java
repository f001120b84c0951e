package dev.ferry.server.wamp;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.protocol.InvokePolicy;
import dev.ferry.protocol.Topics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What the WAMP meta API (docs/wamp.md, "Meta API") reads and what its meta events tell: the sessions of this
 * node by realm, and the subscriptions and registrations they hold. A subscription or registration is the router's
 * object of one realm and one pattern (or procedure), shared by every session that subscribes to that pattern (or
 * registers that procedure), so that its id is the same for all of them, as WAMP asks; the id is derived from the
 * realm and the pattern, so that every node of a cluster gives the same one. Meta events go to this node's
 * subscribers and, through the relay, to the other nodes' ({@link #emitted}). Thread-safe: the sessions live on
 * every event loop; an entry changes under its map's lock ({@code compute}), and meta events go to their
 * subscribers on the subscribers' own event loops.
 */
final class WampMeta {
    /** Most ids one listing returns (memory bounded whatever the number of sessions). */
    static final int MAX_LISTED = 1000;

    /** The meta topics a session may subscribe to (exact match only). */
    static final Set<String> TOPICS = Set.of(
            "wamp.session.on_join", "wamp.session.on_leave",
            "wamp.subscription.on_create", "wamp.subscription.on_subscribe",
            "wamp.subscription.on_unsubscribe", "wamp.subscription.on_delete",
            "wamp.registration.on_create", "wamp.registration.on_register",
            "wamp.registration.on_unregister", "wamp.registration.on_delete");

    /** What {@code wamp.session.get} tells of a session; fixed once it is established. */
    record SessionInfo(long session, String realm, String authid, String authrole, String authmethod,
                       String protocol) {
        ObjectNode details() {
            ObjectNode d = JsonNodeFactory.instance.objectNode();
            d.put("session", session);
            d.put("authid", authid);
            d.put("authrole", authrole);
            d.put("authmethod", authmethod);
            d.put("authprovider", "ferry");
            d.putObject("authextra");
            ObjectNode t = d.putObject("transport");
            t.put("type", "websocket");
            t.put("protocol", protocol);
            return d;
        }
    }

    /**
     * A subscription or registration of the router: its id, realm, the Ferry pattern (or procedure) it stands for,
     * its URI and match policy as the client gave them, when it was created, its invocation policy (registrations),
     * and the sessions holding it.
     */
    static final class Entry {
        final long id;
        final String realm;
        final String pattern;
        final String uri;
        final String match;
        final InvokePolicy invoke;
        final Instant created;
        final Map<Long, WampHandler> holders = new ConcurrentHashMap<>();
        /**
         * The keys (compared by identity) under which a publication's EVENT to this subscription is encoded and
         * framed once per event loop, one per serialization: JSON, msgpack. The EVENT's bytes are the same for
         * every holder (its details name the topic and the publisher, never the receiver).
         */
        private final Object jsonEventKey = new Object();
        private final Object msgpackEventKey = new Object();
        /** The keys of the same EVENTs compressed for the sessions that negotiated permessage-deflate. */
        private final Object jsonDeflatedKey = new Object();
        private final Object msgpackDeflatedKey = new Object();

        /** The key of this subscription's framed EVENT in a delivery, for sessions of serialization {@code codec}. */
        Object eventKey(WampCodec codec) {
            return codec.binary() ? msgpackEventKey : jsonEventKey;
        }

        /** The key of this subscription's framed EVENT compressed (permessage-deflate), for {@code codec}. */
        Object deflatedKey(WampCodec codec) {
            return codec.binary() ? msgpackDeflatedKey : jsonDeflatedKey;
        }

        Entry(long id, String realm, String pattern, String uri, String match, InvokePolicy invoke, Instant created) {
            this.id = id;
            this.realm = realm;
            this.pattern = pattern;
            this.uri = uri;
            this.match = match;
            this.invoke = invoke;
            this.created = created;
        }

        ObjectNode details() {
            ObjectNode d = JsonNodeFactory.instance.objectNode();
            d.put("id", id);
            d.put("created", created.toString());
            d.put("uri", uri);
            d.put("match", match);
            if (invoke != null) {
                d.put("invoke", invoke.wire());
            }
            return d;
        }
    }

    /** The subscriptions (kind {@code subscription}) or the registrations (kind {@code registration}). */
    final class Table {
        final String kind;
        private final ConcurrentHashMap<String, Entry> byKey = new ConcurrentHashMap<>();
        private final ConcurrentHashMap<Long, Entry> byId = new ConcurrentHashMap<>();

        Table(String kind) {
            this.kind = kind;
        }

        /**
         * Adds {@code holder} to the entry of its realm and {@code pattern}, made when there is none; the meta events
         * {@code on_create} (for a new entry) and {@code on_subscribe}/{@code on_register} go out unless
         * {@code silent} (subscriptions to meta topics). Returns the entry.
         */
        Entry join(WampHandler holder, String pattern, String uri, String match, InvokePolicy invoke, boolean silent) {
            boolean[] made = new boolean[1];
            Entry e = byKey.compute(key(holder.realmName(), pattern), (k, held) -> {
                Entry x = held;
                if (x == null) {
                    x = new Entry(entryId(kind, holder.realmName(), pattern), holder.realmName(), pattern, uri, match,
                            invoke, Instant.now());
                    byId.put(x.id, x);
                    made[0] = true;
                }
                x.holders.put(holder.sessionId(), holder);
                return x;
            });
            if (!silent) {
                if (made[0]) {
                    emit(e.realm, "wamp." + kind + ".on_create", args(holder.sessionId()).add(e.details()));
                }
                emit(e.realm, "wamp." + kind + (kind.equals("subscription") ? ".on_subscribe" : ".on_register"),
                        args(holder.sessionId()).add(e.id));
            }
            return e;
        }

        /** Removes {@code holder} from entry {@code id}; the entry goes with its last holder. */
        void leave(WampHandler holder, long id, boolean silent) {
            Entry e = byId.get(id);
            if (e == null) {
                return;
            }
            boolean[] gone = new boolean[1];
            byKey.computeIfPresent(key(e.realm, e.pattern), (k, x) -> {
                x.holders.remove(holder.sessionId());
                if (x.holders.isEmpty()) {
                    byId.remove(x.id);
                    gone[0] = true;
                    return null;
                }
                return x;
            });
            if (!silent) {
                emit(e.realm, "wamp." + kind + (kind.equals("subscription") ? ".on_unsubscribe" : ".on_unregister"),
                        args(holder.sessionId()).add(e.id));
                if (gone[0]) {
                    emit(e.realm, "wamp." + kind + ".on_delete", args(holder.sessionId()).add(e.id));
                }
            }
        }

        /** The entry {@code id} when it is in {@code realm}. */
        Entry get(String realm, long id) {
            Entry e = byId.get(id);
            return e != null && e.realm.equals(realm) ? e : null;
        }

        /** The entry of {@code realm} and {@code pattern}, or null. */
        Entry lookup(String realm, String pattern) {
            return byKey.get(key(realm, pattern));
        }

        /** The entries of {@code realm}, oldest first, at most {@link #MAX_LISTED} (meta topics excluded). */
        List<Entry> of(String realm) {
            List<Entry> out = new ArrayList<>();
            for (Entry e : byId.values()) {
                if (e.realm.equals(realm) && !isMetaTopic(e)) {
                    out.add(e);
                }
            }
            out.sort(Comparator.comparingLong(x -> x.id));
            return out.size() > MAX_LISTED ? out.subList(0, MAX_LISTED) : out;
        }

        /** The entries of {@code realm} whose pattern matches the Ferry name {@code name}. */
        List<Entry> matching(String realm, String name) {
            List<Entry> out = new ArrayList<>();
            for (Entry e : byId.values()) {
                if (e.realm.equals(realm) && !isMetaTopic(e) && Topics.matches(e.pattern, name)) {
                    out.add(e);
                }
            }
            out.sort(Comparator.comparingLong(x -> x.id));
            return out.size() > MAX_LISTED ? out.subList(0, MAX_LISTED) : out;
        }
    }

    /** Where a meta event of this node goes besides its own subscribers: {@code (realm, topic, publication, args)}. */
    interface Relay {
        void emitted(String realm, String topic, long publication, ArrayNode args);
    }

    private final Relay relay;
    private final ConcurrentHashMap<Long, SessionInfo> sessions = new ConcurrentHashMap<>();
    /** The established sessions by id, to be killed ({@code wamp.session.kill}). */
    private final ConcurrentHashMap<Long, WampHandler> handlers = new ConcurrentHashMap<>();
    final Table subscriptions = new Table("subscription");
    final Table registrations = new Table("registration");

    WampMeta(Relay relay) {
        this.relay = relay;
    }

    /**
     * The id of the subscription ({@code kind} {@code subscription}) or registration of {@code realm} and
     * {@code pattern}: a hash in [1, 2^53], the same on every node.
     */
    static long entryId(String kind, String realm, String pattern) {
        long h = 0xcbf29ce484222325L;
        String key = kind + "\u0000" + realm + "\u0000" + pattern;
        for (int i = 0; i < key.length(); i++) {
            h = (h ^ key.charAt(i)) * 0x100000001b3L;
        }
        h ^= h >>> 31;
        h *= 0x9E3779B97F4A7C15L;
        h ^= h >>> 29;
        long id = h & (WampMessage.MAX_ID - 1);
        return id == 0 ? 1 : id;
    }

    /** The pattern under which a subscription to meta topic {@code uri} is kept (it matches no Ferry topic). */
    static String metaPattern(String uri) {
        return "\u0000" + uri;
    }

    private static boolean isMetaTopic(Entry e) {
        return e.pattern.startsWith("\u0000");
    }

    private static String key(String realm, String pattern) {
        return realm + " " + pattern;
    }

    private static ArrayNode args(long session) {
        return JsonNodeFactory.instance.arrayNode().add(session);
    }

    /**
     * A session established: a session id unique on this node (random in [1, 2^53], drawn again on a clash) is
     * given, and {@code wamp.session.on_join} goes out with its details.
     */
    long joined(WampHandler h, String realm, String authid, String authrole, String authmethod, String protocol) {
        long id;
        SessionInfo info;
        do {
            id = WampRouter.sessionId();
            info = new SessionInfo(id, realm, authid, authrole, authmethod, protocol);
        } while (sessions.putIfAbsent(id, info) != null);
        handlers.put(id, h);
        emit(realm, "wamp.session.on_join", JsonNodeFactory.instance.arrayNode().add(info.details()));
        return id;
    }

    /**
     * A session ended: {@code wamp.session.on_leave} with its id, authid and authrole. Returns false when it had
     * already ended (or never began).
     */
    boolean left(long session) {
        handlers.remove(session);
        SessionInfo info = sessions.remove(session);
        if (info != null) {
            emit(info.realm(), "wamp.session.on_leave",
                    args(session).add(info.authid()).add(info.authrole()));
        }
        return info != null;
    }

    SessionInfo session(String realm, long id) {
        SessionInfo s = sessions.get(id);
        return s != null && s.realm().equals(realm) ? s : null;
    }

    /** The sessions of {@code realm} whose authrole is one of {@code roles} (null: any), by id. */
    List<Long> sessions(String realm, Collection<String> roles) {
        List<Long> out = new ArrayList<>();
        for (SessionInfo s : sessions.values()) {
            if (s.realm().equals(realm) && (roles == null || roles.contains(s.authrole()))) {
                out.add(s.session());
            }
        }
        out.sort(Long::compare);
        return out;
    }

    /**
     * The sessions of {@code realm} but {@code except} that match: id {@code session} (0: any), authid
     * {@code authid} and authrole {@code authrole} (null: any). Sorted by id.
     */
    List<WampHandler> matching(String realm, long session, String authid, String authrole, long except) {
        List<WampHandler> out = new ArrayList<>();
        for (SessionInfo s : sessions.values()) {
            if (s.realm().equals(realm) && s.session() != except && (session == 0 || s.session() == session)
                    && (authid == null || authid.equals(s.authid())) && (authrole == null || authrole.equals(s.authrole()))) {
                WampHandler h = handlers.get(s.session());
                if (h != null) {
                    out.add(h);
                }
            }
        }
        out.sort(Comparator.comparingLong(WampHandler::sessionId));
        return out;
    }

    /** Sends meta event {@code topic} of {@code realm} to the sessions subscribed to it here and on other nodes. */
    private void emit(String realm, String topic, ArrayNode args) {
        long publication = ThreadLocalRandom.current().nextLong(1, WampMessage.MAX_ID + 1);
        emitHere(realm, topic, publication, args);
        relay.emitted(realm, topic, publication, args);
    }

    /** Sends meta event {@code topic} of {@code realm} to this node's sessions subscribed to it, each on its loop. */
    void emitHere(String realm, String topic, long publication, ArrayNode args) {
        Entry e = subscriptions.lookup(realm, metaPattern(topic));
        if (e == null) {
            return;
        }
        for (WampHandler h : e.holders.values()) {
            h.executor().execute(() -> h.metaEvent(e.id, publication, args));
        }
    }
}
