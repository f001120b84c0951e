package dev.ferry.server.connection;

import dev.ferry.protocol.Topics;
import dev.ferry.server.time.ServerClock;
import io.netty.util.concurrent.EventExecutor;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import dev.ferry.server.auth.Identity;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The open connections of this node, whatever their transport, in the order they opened: what the server API lists,
 * looks up and disconnects. A connection is listed from its making to its {@link Connection#closed()}; the list
 * holds no more than the connections the server admits ({@code limits.max-connections}).
 *
 * <p>Ids are this node's random prefix and a sequence number ({@code 3fa2c19b-17}), so that they are unique in a
 * cluster and sort in opening order on a node. Thread-safe: the list may be read from any thread; what only a
 * connection's event loop may read (its subscriptions, counters) is read there ({@link #snapshot}).
 */
public final class Connections {
    private final ServerClock clock;
    private final String prefix;
    private final AtomicLong sequence = new AtomicLong();
    private final ConcurrentSkipListMap<Long, Connection> open = new ConcurrentSkipListMap<>();
    /** User name to pattern to the epoch millisecond until which its new connections are subscribed to it. */
    private final Map<String, Map<String, Long>> future = new ConcurrentHashMap<>();
    private final AtomicInteger futureCount = new AtomicInteger();
    /** Where the connections' openings, closings and subscriptions are told (docs/hooks.md, "Events out"). */
    private volatile dev.ferry.server.hooks.EventsOut eventsOut = dev.ferry.server.hooks.EventsOut.NONE;

    /** The claim of a token listing the patterns its connections are subscribed to by the server at connect. */
    public static final String SUBS_CLAIM = "ferry.subs";
    /** The most (user, pattern) server-side subscriptions of future connections held at once. */
    public static final int MAX_FUTURE_SUBSCRIPTIONS = 10_000;

    public Connections(ServerClock clock) {
        this.clock = clock;
        byte[] b = new byte[4];
        new SecureRandom().nextBytes(b);
        this.prefix = HexFormat.of().formatHex(b);
    }

    /** Tells {@code events} of every connection opened, closed, subscribed and unsubscribed from now on. */
    public void eventsOut(dev.ferry.server.hooks.EventsOut events) {
        this.eventsOut = events;
    }

    dev.ferry.server.hooks.EventsOut eventsOut() {
        return eventsOut;
    }

    /** The name events out give the user of {@code identity}: null when anonymous. */
    static String user(Identity identity) {
        return identity.kind() == Identity.Kind.ANONYMOUS ? null : identity.name();
    }

    /** The prefix of every id this node gives. */
    public String node() {
        return prefix;
    }

    String nextId() {
        return prefix + "-" + sequence.incrementAndGet();
    }

    long now() {
        return clock.millis();
    }

    void opened(Connection c) {
        open.put(sequenceOf(c.id()), c);
        eventsOut.connectionOpened(c.id(), user(c.identity()), c.transport().kind(), c.transport().clientAddress());
        if (c.transport().carriesServerSubscriptions()) {
            List<String> patterns = serverPatternsFor(c.identity());
            if (!patterns.isEmpty()) {
                // after the transport is made: the connection is handed over at the end of its construction
                c.executor().execute(() -> {
                    for (String p : patterns) {
                        c.subscribeByServer(p);
                    }
                });
            }
        }
    }

    /**
     * The patterns a new connection of {@code identity} is subscribed to by the server: those of its token's
     * {@value #SUBS_CLAIM} claim, then those the server API gave its user for future connections, still in force.
     */
    private List<String> serverPatternsFor(Identity identity) {
        List<String> out = new ArrayList<>();
        if (identity.claims().get(SUBS_CLAIM) instanceof java.util.Collection<?> claimed) {
            for (Object o : claimed) {
                if (o instanceof String s && !out.contains(s)) {
                    out.add(s);
                }
            }
        }
        Map<String, Long> mine = identity.name() == null || identity.kind() == Identity.Kind.ANONYMOUS
                ? null : future.get(identity.name());
        if (mine != null) {
            long now = clock.millis();
            mine.forEach((pattern, until) -> {
                if (until > now && !out.contains(pattern)) {
                    out.add(pattern);
                }
            });
        }
        return out;
    }

    /**
     * Subscribes the future connections of user {@code name} to {@code pattern} until {@code untilMillis} (a later
     * end wins); false when {@link #MAX_FUTURE_SUBSCRIPTIONS} are held already.
     */
    public boolean subscribeFuture(String name, String pattern, long untilMillis) {
        Map<String, Long> mine = future.computeIfAbsent(name, n -> new ConcurrentHashMap<>());
        if (!mine.containsKey(pattern)) {
            if (futureCount.get() >= MAX_FUTURE_SUBSCRIPTIONS) {
                forgetEnded();
                if (futureCount.get() >= MAX_FUTURE_SUBSCRIPTIONS) {
                    return false;
                }
            }
            if (mine.putIfAbsent(pattern, untilMillis) == null) {
                futureCount.incrementAndGet();
                return true;
            }
        }
        mine.merge(pattern, untilMillis, Math::max);
        return true;
    }

    /** The subscriptions of future connections in force: user name to pattern to the epoch millisecond they end at. */
    public Map<String, Map<String, Long>> futureSubscriptions() {
        long now = clock.millis();
        Map<String, Map<String, Long>> out = new java.util.HashMap<>();
        future.forEach((name, mine) -> mine.forEach((pattern, until) -> {
            if (until > now) {
                out.computeIfAbsent(name, n -> new java.util.HashMap<>()).put(pattern, until);
            }
        }));
        return out;
    }

    /** Stops subscribing the future connections of {@code name} to {@code pattern}; returns whether it did. */
    public boolean unsubscribeFuture(String name, String pattern) {
        Map<String, Long> mine = future.get(name);
        if (mine == null || mine.remove(pattern) == null) {
            return false;
        }
        futureCount.decrementAndGet();
        return true;
    }

    private void forgetEnded() {
        long now = clock.millis();
        future.values().forEach(mine -> mine.entrySet().removeIf(e -> {
            boolean ended = e.getValue() <= now;
            if (ended) {
                futureCount.decrementAndGet();
            }
            return ended;
        }));
    }

    void closed(Connection c) {
        open.remove(sequenceOf(c.id()), c);
        eventsOut.connectionClosed(c.id(), user(c.identity()), c.transport().kind());
    }

    private static long sequenceOf(String id) {
        return Long.parseLong(id.substring(id.indexOf('-') + 1));
    }

    /** {@code host:port} of a client's socket address (a String is taken as it is), or null. */
    public static String address(Object remote) {
        if (remote instanceof java.net.InetSocketAddress a) {
            String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
        }
        return remote == null ? null : remote.toString();
    }

    public int size() {
        return open.size();
    }

    /** The open connection with {@code id}, or null. */
    public Connection get(String id) {
        int dash = id.indexOf('-');
        if (dash < 0 || !id.regionMatches(0, prefix, 0, dash) || dash != prefix.length()) {
            return null;
        }
        try {
            return open.get(Long.parseLong(id.substring(dash + 1)));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Every open connection, in opening order (a snapshot). */
    public List<Connection> all() {
        return List.copyOf(open.values());
    }

    /** The open connections of the user named {@code name} (a token's subject, a key's or certificate's name). */
    public List<Connection> ofUser(String name) {
        List<Connection> out = new ArrayList<>();
        for (Connection c : open.values()) {
            if (name.equals(c.identity().name())) {
                out.add(c);
            }
        }
        return out;
    }

    /** A query of the list: each filter null when not given. */
    public record Query(String user, String topic, String transport, String address, String after, int limit) {
    }

    /** One page of a listing: the connections, and the id to ask {@code after} for the next page (null at the end). */
    public record Page(List<ConnectionInfo> items, String next) {
    }

    /**
     * The connections matching {@code q}, in opening order, after {@code q.after()}, at most {@code q.limit()}.
     * User, transport and address are matched here; a topic (matched by the connection's subscribed patterns) is
     * matched on each connection's event loop, where its subscriptions are read.
     */
    public CompletableFuture<Page> list(Query q) {
        Map<Long, Connection> from = open;
        if (q.after() != null) {
            int dash = q.after().indexOf('-');
            long after;
            try {
                after = Long.parseLong(q.after().substring(dash + 1));
            } catch (NumberFormatException e) {
                return CompletableFuture.failedFuture(new IllegalArgumentException(
                        "after: \"" + q.after() + "\" (expected: a connection id of a previous page's next)"));
            }
            from = open.tailMap(after, false);
        }
        List<Connection> candidates = new ArrayList<>();
        for (Connection c : from.values()) {
            if (matchesOutside(c, q)) {
                candidates.add(c);
                if (q.topic() == null && candidates.size() > q.limit()) {
                    break;
                }
            }
        }
        return snapshot(candidates).thenApply(infos -> {
            List<ConnectionInfo> page = new ArrayList<>();
            String next = null;
            for (ConnectionInfo i : infos) {
                if (q.topic() != null && !i.subscriptions().stream().anyMatch(p -> matchesTopic(p, q.topic()))) {
                    continue;
                }
                if (page.size() == q.limit()) {
                    next = page.get(page.size() - 1).id();
                    break;
                }
                page.add(i);
            }
            return new Page(page, next);
        });
    }

    private static boolean matchesOutside(Connection c, Query q) {
        if (q.user() != null && !q.user().equals(c.identity().name())) {
            return false;
        }
        Transport t = c.transport();
        if (q.transport() != null && !q.transport().equals(t.kind())) {
            return false;
        }
        if (q.address() != null) {
            String a = t.clientAddress();
            return a != null && a.startsWith(q.address());
        }
        return true;
    }

    /** A connection's pattern holds {@code topic}: the pattern itself, or a concrete topic it matches. */
    private static boolean matchesTopic(String pattern, String topic) {
        return pattern.equals(topic) || (Topics.checkTopic(topic) == null && Topics.matches(pattern, topic));
    }

    /**
     * What the server API shows of {@code connections}, in their order, read on their event loops (one task per
     * loop); those that closed meanwhile are left out.
     */
    public static CompletableFuture<List<ConnectionInfo>> snapshot(List<Connection> connections) {
        Map<EventExecutor, List<Integer>> byLoop = new IdentityHashMap<>();
        for (int i = 0; i < connections.size(); i++) {
            byLoop.computeIfAbsent(connections.get(i).executor(), e -> new ArrayList<>()).add(i);
        }
        ConnectionInfo[] out = new ConnectionInfo[connections.size()];
        List<CompletableFuture<Void>> loops = new ArrayList<>(byLoop.size());
        byLoop.forEach((loop, indexes) -> {
            CompletableFuture<Void> done = new CompletableFuture<>();
            loops.add(done);
            try {
                loop.execute(() -> {
                    for (int i : indexes) {
                        Connection c = connections.get(i);
                        if (!c.isClosed()) {
                            out[i] = c.info();
                        }
                    }
                    done.complete(null);
                });
            } catch (RuntimeException e) {
                done.complete(null); // the loop has shut down: its connections are gone
            }
        });
        return CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<ConnectionInfo> list = new ArrayList<>(out.length);
            for (ConnectionInfo i : out) {
                if (i != null) {
                    list.add(i);
                }
            }
            return list;
        });
    }

    /**
     * Closes {@code c} with {@code code} and {@code reason} (behind what is queued for it), on its event loop.
     */
    public static void disconnect(Connection c, int code, String reason) {
        c.executor().execute(() -> {
            if (!c.isClosed()) {
                c.transport().close(code, reason);
            }
        });
    }
}
