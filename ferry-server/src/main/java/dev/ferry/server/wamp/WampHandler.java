package dev.ferry.server.wamp;

import dev.ferry.server.websocket.WebSocketServices;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.protocol.CancelMode;
import dev.ferry.protocol.CloseCodes;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.InvokePolicy;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.Topics;
import dev.ferry.server.auth.AuthError;
import dev.ferry.server.auth.AuthOutcome;
import dev.ferry.server.auth.AuthRequest;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.config.WampConfig;
import dev.ferry.server.connection.Connection;
import dev.ferry.server.connection.Refusal;
import dev.ferry.server.connection.Transport;
import dev.ferry.server.engine.DisclosedCaller;
import dev.ferry.server.engine.Published;
import dev.ferry.server.engine.TooManyTopicsException;
import dev.ferry.server.hub.Delivery;
import dev.ferry.server.rpc.Callee;
import dev.ferry.server.rpc.Caller;
import dev.ferry.server.rpc.Invocation;
import dev.ferry.server.rpc.Rpc;
import dev.ferry.server.transport.WebSocketOutbound;
import dev.ferry.server.websocket.PlainWebSocketHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.concurrent.EventExecutor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One WAMP session over a WebSocket at {@code /v1/wamp} (docs/wamp.md): the Basic Profile's session lifecycle
 * (HELLO, CHALLENGE/AUTHENTICATE for {@code ticket}, WELCOME, ABORT, GOODBYE), publish and subscribe, and routed
 * calls, on the connection core: subscriptions and publications go through the session's {@link Connection}
 * (admission, permissions, limits as for every transport), calls and registrations through the server's RPC
 * routing, where ferry.v1 callers and callees meet them.
 *
 * <p>Lifecycle: opened with the WebSocket; {@code HELLO} joins a realm (an unknown one is ABORTed with
 * {@code wamp.error.no_such_realm}); the session is established once {@code WELCOME} is sent; {@code GOODBYE} or
 * the channel's close ends it, and {@link #closed()} undoes every subscription, registration and call exactly once.
 * Event loop only, like its base class.
 */
public final class WampHandler extends PlainWebSocketHandler implements Transport, Callee, Caller {
    /** Most session ids one {@code exclude} or {@code eligible} list may name (they travel as one tag). */
    static final int MAX_LISTED_SESSIONS = 50;
    /** The tag a WAMP publication carries when it excludes sessions: their ids, space-separated. */
    static final String TAG_EXCLUDED = "wamp_excluded";
    /** The tag a WAMP publication carries when only some sessions are eligible: their ids, space-separated. */
    static final String TAG_ELIGIBLE = "wamp_eligible";
    /** The tags of a publisher that discloses itself ({@code disclose_me}). */
    static final String TAG_PUBLISHER = "wamp_publisher";
    static final String TAG_PUBLISHER_AUTHID = "wamp_publisher_authid";
    static final String TAG_PUBLISHER_AUTHROLE = "wamp_publisher_authrole";

    /** WebSocket close code 1000 (RFC 6455 §7.4.1): after GOODBYE and ABORT. */
    private static final int NORMAL_CLOSURE = 1000;

    private enum State { AWAITING_HELLO, CHALLENGED, ESTABLISHED, CLOSING, CLOSED }

    private final WampRouter router;
    /** Who the upgrade authenticated; null when the WAMP handshake authenticates. */
    private final Identity upgradeIdentity;
    /** The connect hook's refusal of this connection (HELLO is answered with ABORT); null when it was allowed. */
    private final dev.ferry.server.websocket.ConnectRefusal connectRefusal;

    // ---- event loop only
    private WampCodec codec = WampCodec.JSON;
    private WebSocketOutbound out;
    private State state = State.AWAITING_HELLO;
    private WampConfig.Realm realm;
    /** The realm's topic prefix with its dot, or empty. */
    private String prefix = "";
    private Object eventKey;
    private Connection connection;
    private long sessionId;
    private String authid;
    private String authrole;
    private String authmethod;
    /** Whether the client, as callee, announced {@code call_canceling} (it then gets INTERRUPT). */
    private boolean calleeCancels;
    /** The {@code wampcra} challenge sent, and the key it is to be signed with (null: an unknown authid). */
    private String craChallenge;
    private String craKey;
    /** Whether the client, as callee, announced {@code progressive_call_results}. */
    private boolean calleeProgresses;
    /** Whether the client, as subscriber, announced {@code subscription_revocation} (it then gets UNSUBSCRIBED 0). */
    private boolean subscriberRevocation;
    /** Whether the client, as callee, announced {@code registration_revocation} (it then gets UNREGISTERED 0). */
    private boolean calleeRevocation;
    private final Map<Long, Subscription> subscriptions = new LinkedHashMap<>();
    /** Subscriptions to meta topics ({@code wamp.session.on_join}, ...): id to URI. */
    private final Map<Long, String> metaSubscriptions = new HashMap<>();
    private final Map<String, Subscription> subscriptionsByPattern = new HashMap<>();
    private final Map<Long, String> registrations = new HashMap<>();
    private final Map<String, Long> registrationsByProc = new HashMap<>();
    /** Calls of this session waiting for an outcome: WAMP request id to invocation id. */
    private final Map<Long, Long> calls = new HashMap<>();
    /** Invocations sent to this session and not answered yet. */
    private final Set<Long> invocations = new HashSet<>();

    /**
     * One subscription: its WAMP id, the Ferry pattern it stands for, and the key of its framed EVENT in a
     * delivery ({@link WampMeta.Entry#eventKey}), shared by the sessions of the loop that hold it.
     */
    private record Subscription(long id, String pattern, String[] words, Object eventKey, Object deflatedKey,
                                java.util.function.Function<Delivery, ByteBuf> framer) {
        /** Whether {@code topic} matches, without allocating: an exact pattern by equality, others word by word. */
        boolean matches(String topic) {
            return words == null ? pattern.equals(topic) : Topics.matches(words, 0, topic, 0);
        }
    }

    private static final Subscription[] NO_SUBSCRIPTIONS = {};
    /** The values of {@link #subscriptions}, for {@link #deliver} to go through without an iterator. */
    private Subscription[] subscribed = NO_SUBSCRIPTIONS;
    /** {@link #eventTail}, made once: a delivery looks its encodings up by key and encoder. */
    private final java.util.function.Function<Delivery, ByteBuf> tailEncoder = this::eventTail;

    /**
     * Called on the event loop with the topic each time an EVENT is encoded and framed for the sessions of a loop;
     * null (the default) outside tests.
     */
    static volatile java.util.function.Consumer<String> eventFramed;
    /**
     * Called on the event loop with the topic each time an EVENT is compressed (permessage-deflate) for the sessions
     * of a loop; null (the default) outside tests.
     */
    static volatile java.util.function.Consumer<String> eventDeflated;

    WampHandler(WampRouter router, WebSocketServices server, Identity upgradeIdentity) {
        super(server, null);
        this.router = router;
        this.upgradeIdentity = upgradeIdentity;
        this.connectRefusal = null;
    }

    /** A session whose connection the connect hook refused: its HELLO is answered with ABORT. */
    WampHandler(WampRouter router, WebSocketServices server, dev.ferry.server.websocket.ConnectRefusal refusal) {
        super(server, null);
        this.router = router;
        this.upgradeIdentity = null;
        this.connectRefusal = refusal;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete done) {
            WampCodec chosen = WampCodec.of(done.selectedSubprotocol());
            codec = chosen != null ? chosen : WampCodec.JSON;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void onOpen(ChannelHandlerContext ctx, WebSocketOutbound out) {
        this.out = out;
    }

    @Override
    protected void onText(String text) {
        onText(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A text message, parsed from its bytes (the JSON parser reads UTF-8 itself: no string in between). */
    @Override
    protected void onText(ByteBuf content) {
        onText(io.netty.buffer.ByteBufUtil.getBytes(content));
    }

    private void onText(byte[] bytes) {
        if (codec.binary()) {
            violation("this session speaks " + codec.subprotocol() + ": messages are binary");
            return;
        }
        received(bytes);
    }

    @Override
    protected void onBinary(byte[] bytes) {
        if (!codec.binary()) {
            violation("this session speaks " + codec.subprotocol() + ": messages are text");
            return;
        }
        received(bytes);
    }

    private void received(byte[] bytes) {
        if (state == State.CLOSED) {
            return;
        }
        try {
            dispatch(codec.decode(bytes));
        } catch (WampException e) {
            violation(e.getMessage());
        }
    }

    private void dispatch(WampMessage m) throws WampException {
        int type = m.type();
        if (type == WampMessage.ABORT) {
            state = State.CLOSED;
            out.close(NORMAL_CLOSURE, "aborted");
            return;
        }
        switch (state) {
            case AWAITING_HELLO -> {
                if (type != WampMessage.HELLO) {
                    throw WampException.violation(WampMessage.name(type) + " before HELLO");
                }
                hello(m);
            }
            case CHALLENGED -> {
                if (type != WampMessage.AUTHENTICATE) {
                    throw WampException.violation(WampMessage.name(type) + " while waiting for AUTHENTICATE");
                }
                authenticate(m);
            }
            case CLOSING -> {
                if (type == WampMessage.GOODBYE) {
                    state = State.CLOSED;
                    out.close(NORMAL_CLOSURE, "goodbye");
                }
            }
            case ESTABLISHED -> established(m);
            default -> {
            }
        }
    }

    private void established(WampMessage m) throws WampException {
        switch (m.type()) {
            case WampMessage.SUBSCRIBE -> subscribe(m);
            case WampMessage.UNSUBSCRIBE -> unsubscribe(m);
            case WampMessage.PUBLISH -> publish(m);
            case WampMessage.CALL -> call(m);
            case WampMessage.REGISTER -> register(m);
            case WampMessage.UNREGISTER -> unregister(m);
            case WampMessage.YIELD -> yielded(m);
            case WampMessage.ERROR -> calleeError(m);
            case WampMessage.CANCEL -> cancel(m);
            case WampMessage.GOODBYE -> {
                m.length(3, 3, "[GOODBYE, Details|dict, Reason|uri]");
                send(WampCodec.array(WampMessage.GOODBYE).add(WampCodec.object()).add(WampErrors.GOODBYE_AND_OUT));
                state = State.CLOSED;
                out.close(NORMAL_CLOSURE, "goodbye");
            }
            default -> throw WampException.violation(WampMessage.name(m.type()) + " is not sent by a client");
        }
    }

    // ------------------------------------------------------------ session lifecycle

    private void hello(WampMessage m) throws WampException {
        m.length(3, 3, "[HELLO, Realm|uri, Details|dict]");
        String name = m.string(1, "Realm");
        ObjectNode details = m.dict(2, "Details");
        if (connectRefusal != null) {
            ObjectNode why = WampCodec.object();
            why.put("message", connectRefusal.message());
            if (connectRefusal.applicationCode() != null) {
                why.put("code", connectRefusal.applicationCode());
            }
            send(WampCodec.array(WampMessage.ABORT).add(why).add(WampErrors.FERRY_PREFIX + connectRefusal.code()));
            state = State.CLOSED;
            out.close(NORMAL_CLOSURE, "aborted");
            return;
        }
        realm = router.config().realm(name);
        if (realm == null) {
            abort(WampErrors.NO_SUCH_REALM, "no realm \"" + shorten(name) + "\" on this router (wamp.realms)");
            return;
        }
        prefix = realm.topicPrefix().isEmpty() ? "" : realm.topicPrefix() + ".";
        JsonNode calleeFeatures = details.path("roles").path("callee").path("features");
        calleeCancels = calleeFeatures.path("call_canceling").asBoolean(false);
        calleeProgresses = calleeFeatures.path("progressive_call_results").asBoolean(false);
        calleeRevocation = calleeFeatures.path("registration_revocation").asBoolean(false);
        subscriberRevocation = details.path("roles").path("subscriber").path("features")
                .path("subscription_revocation").asBoolean(false);
        if (upgradeIdentity != null) {
            welcome(upgradeIdentity, upgradeIdentity.kind() == Identity.Kind.CERTIFICATE ? "tls"
                    : upgradeIdentity.kind() == Identity.Kind.ANONYMOUS ? "anonymous" : "ticket");
            return;
        }
        List<String> methods = new ArrayList<>();
        JsonNode offered = details.get("authmethods");
        if (offered != null && offered.isArray()) {
            offered.forEach(n -> methods.add(n.asText()));
        }
        int ticketAt = methods.indexOf("ticket");
        int craAt = methods.indexOf("wampcra");
        if (ticketAt >= 0 && (craAt < 0 || ticketAt < craAt)) {
            state = State.CHALLENGED;
            send(WampCodec.array(WampMessage.CHALLENGE).add("ticket").add(WampCodec.object()));
        } else if (craAt >= 0) {
            challengeCra(details.path("authid").asText(""));
        } else if ((methods.isEmpty() || methods.contains("anonymous")) && server.sessions().config().auth().anonymous()) {
            welcome(Identity.ANONYMOUS, "anonymous");
        } else if (!server.sessions().config().auth().anonymous()) {
            server.sessions().security().counters().authFailed();
            abort(WampErrors.NO_AUTH_METHOD, "this router needs authentication: offer authmethod \"ticket\" with a token, or \"wampcra\" with an API key's name as authid");
        } else {
            abort(WampErrors.NO_AUTH_METHOD, "none of the offered authmethods is supported (supported: ticket, wampcra, anonymous)");
        }
    }

    /**
     * {@code CHALLENGE wampcra} for the named API key {@code authid} ({@code http.api-keys.<name>}): a challenge
     * string the client signs with the key (HMAC-SHA256, Base64). An unknown name is challenged alike and fails at
     * AUTHENTICATE, so that the answer does not tell which names exist.
     */
    private void challengeCra(String authid) {
        craKey = null;
        for (dev.ferry.server.config.ApiKeyConfig k : server.sessions().config().http().namedKeys()) {
            if (k.name().equals(authid)) {
                craKey = k.key();
            }
        }
        byte[] nonce = new byte[16];
        new java.security.SecureRandom().nextBytes(nonce);
        ObjectNode c = WampCodec.object();
        c.put("authid", authid);
        c.put("authrole", "user");
        c.put("authmethod", "wampcra");
        c.put("authprovider", "ferry");
        c.put("nonce", java.util.Base64.getEncoder().encodeToString(nonce));
        c.put("timestamp", java.time.Instant.now().toString());
        c.put("session", 0);
        craChallenge = new String(WampCodec.toJson(c), StandardCharsets.UTF_8);
        state = State.CHALLENGED;
        ObjectNode extra = WampCodec.object();
        extra.put("challenge", craChallenge);
        send(WampCodec.array(WampMessage.CHALLENGE).add("wampcra").add(extra));
    }

    /** The WAMP-CRA signature of {@code challenge} with {@code key}: Base64 of HMAC-SHA256. */
    static String craSignature(String key, String challenge) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return java.util.Base64.getEncoder().encodeToString(mac.doFinal(challenge.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code AUTHENTICATE} with a ticket (a token or API key, checked as every transport checks them), or, after a
     * {@code wampcra} challenge, the challenge's signature with the named API key, which then authenticates as
     * that key does as a bearer token (its grants, bans and counters).
     */
    private void authenticate(WampMessage m) throws WampException {
        m.length(3, 3, "[AUTHENTICATE, Signature|string, Extra|dict]");
        String ticket = m.string(1, "Signature");
        m.dict(2, "Extra");
        if (craChallenge != null) {
            String key = craKey;
            boolean signed = key != null && java.security.MessageDigest.isEqual(
                    craSignature(key, craChallenge).getBytes(StandardCharsets.US_ASCII), ticket.getBytes(StandardCharsets.UTF_8));
            craChallenge = null;
            craKey = null;
            if (!signed) {
                server.sessions().security().counters().authFailed();
                abort(WampErrors.AUTHENTICATION_FAILED, "wampcra: the signature does not match an API key of that authid");
                return;
            }
            AuthOutcome who = server.sessions().security().authenticator().authenticate(
                    new AuthRequest("Bearer " + key, Map.of(), Map.of()));
            if (who instanceof AuthError e) {
                abort(WampErrors.AUTHENTICATION_FAILED, e.message());
                return;
            }
            welcome((Identity) who, "wampcra");
            return;
        }
        AuthOutcome who = ticket.isEmpty() ? AuthError.unauthorized("empty ticket")
                : server.sessions().security().authenticator().authenticate(new AuthRequest("Bearer " + ticket, Map.of(), Map.of()));
        if (who instanceof AuthError e) {
            abort(WampErrors.AUTHENTICATION_FAILED, e.message());
            return;
        }
        welcome((Identity) who, "ticket");
    }

    private void welcome(Identity who, String method) {
        connection = server.sessions().connection(server.sessions().security().permissions().scope(who), this, server.sessions()::draining);
        authid = who.name() != null ? who.name() : "anonymous";
        authrole = role(who);
        authmethod = method;
        sessionId = router.meta().joined(this, realm.name(), authid, authrole, method, codec.subprotocol());
        eventKey = router.eventKey(codec, prefix);
        state = State.ESTABLISHED;
        ObjectNode details = WampCodec.object();
        details.put("realm", realm.name());
        details.put("authid", authid);
        details.put("authrole", authrole);
        details.put("authmethod", method);
        details.put("authprovider", "ferry");
        details.set("roles", roles());
        send(WampCodec.array(WampMessage.WELCOME).add(sessionId).add(details));
        closeAtExpiry(who);
    }

    /**
     * The role a session's WELCOME names: the token's {@code role} claim, or the first of its {@code roles} claim;
     * else {@code anonymous} or {@code user}.
     */
    private static String role(Identity who) {
        Object role = who.claims().get("role");
        if (role instanceof String s && !s.isEmpty()) {
            return s;
        }
        Object roles = who.claims().get("roles");
        if (roles instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof String s && !s.isEmpty()) {
            return s;
        }
        return who.kind() == Identity.Kind.ANONYMOUS ? "anonymous" : "user";
    }

    /** The router's roles and the features announced (docs/wamp.md, "Supported"). */
    private static ObjectNode roles() {
        ObjectNode broker = WampCodec.object();
        ObjectNode bf = broker.putObject("features");
        bf.put("pattern_based_subscription", true);
        bf.put("publisher_exclusion", true);
        bf.put("subscriber_blackwhite_listing", true);
        bf.put("publisher_identification", true);
        bf.put("session_meta_api", true);
        bf.put("subscription_meta_api", true);
        bf.put("event_history", true);
        bf.put("subscription_revocation", true);
        ObjectNode dealer = WampCodec.object();
        ObjectNode df = dealer.putObject("features");
        df.put("call_timeout", true);
        df.put("call_canceling", true);
        df.put("progressive_call_results", true);
        df.put("shared_registration", true);
        df.put("pattern_based_registration", true);
        df.put("caller_identification", true);
        df.put("session_meta_api", true);
        df.put("registration_meta_api", true);
        df.put("registration_revocation", true);
        ObjectNode roles = WampCodec.object();
        roles.set("broker", broker);
        roles.set("dealer", dealer);
        return roles;
    }

    private void abort(String reason, String message) {
        ObjectNode details = WampCodec.object();
        details.put("message", message);
        send(WampCodec.array(WampMessage.ABORT).add(details).add(reason));
        state = State.CLOSED;
        out.close(NORMAL_CLOSURE, "aborted");
    }

    /** A message that breaks the protocol: ABORT {@code wamp.error.protocol_violation}, then close 1002. */
    private void violation(String message) {
        if (state == State.CLOSED) {
            return;
        }
        ObjectNode details = WampCodec.object();
        details.put("message", shorten(message));
        send(WampCodec.array(WampMessage.ABORT).add(details).add(WampErrors.PROTOCOL_VIOLATION));
        state = State.CLOSED;
        out.close(CloseCodes.PROTOCOL_ERROR, "protocol violation");
    }

    /**
     * The session's identity expired and was not extended (docs/wamp.md, "Authentication"): GOODBYE
     * {@code ferry.close.token_expired}, then close 4005 behind what is queued.
     */
    @Override
    protected void expired() {
        goodbye(WampErrors.TOKEN_EXPIRED, "token expired");
        super.expired();
    }

    /** The server drains: GOODBYE {@code wamp.close.system_shutdown}, then close 1001 behind what is queued. */
    @Override
    protected void goAway() {
        goodbye(WampErrors.SYSTEM_SHUTDOWN, "the server is shutting down");
        super.goAway();
    }

    /**
     * The router ends an established session: GOODBYE with {@code reason} (and {@code message} in its details when
     * not null), after which the session takes nothing more. Returns whether the session was established.
     */
    private boolean goodbye(String reason, String message) {
        if (state != State.ESTABLISHED) {
            return false;
        }
        ObjectNode details = WampCodec.object();
        if (message != null) {
            details.put("message", message);
        }
        send(WampCodec.array(WampMessage.GOODBYE).add(details).add(reason));
        state = State.CLOSING;
        return true;
    }

    // ------------------------------------------------------------ publish and subscribe

    private void subscribe(WampMessage m) throws WampException {
        m.length(4, 4, "[SUBSCRIBE, Request|id, Options|dict, Topic|uri]");
        long request = m.id(1, "Request");
        ObjectNode options = m.dict(2, "Options");
        String uri = m.string(3, "Topic");
        String match = options.path("match").asText("exact");
        if (match.equals("exact") && WampMeta.TOPICS.contains(uri)) {
            subscribeMeta(request, uri);
            return;
        }
        String pattern = pattern(uri, match);
        if (pattern == null) {
            error(WampMessage.SUBSCRIBE, request, WampErrors.INVALID_ARGUMENT,
                    "match \"" + shorten(match) + "\" is not supported (supported: exact, prefix, wildcard)", null);
            return;
        }
        String why = reserved(uri);
        if (why == null && !match.equals("wildcard") && Topics.hasWildcard(uri)) {
            why = "topic \"" + shorten(uri) + "\": \"*\" and \"#\" are not URI components (use match \"wildcard\" or \"prefix\")";
        }
        if (why != null) {
            error(WampMessage.SUBSCRIBE, request, WampErrors.INVALID_URI, why, null);
            return;
        }
        Subscription held = subscriptionsByPattern.get(pattern);
        if (held != null) {
            send(WampCodec.array(WampMessage.SUBSCRIBED).add(request).add(held.id()));
            return;
        }
        Refusal r = connection.admitSubscribe(pattern);
        if (r == null) {
            r = connection.roomFor(pattern, 0);
        }
        if (r != null) {
            refuse(WampMessage.SUBSCRIBE, request, r);
            return;
        }
        // SUBSCRIBED once the engine's interest is active (with the Redis engine: across the cluster), so that a
        // publication made anywhere after it reaches the session
        connection.subscribe(pattern, List.of(), null, (recoveries, failure) -> {
            if (state != State.ESTABLISHED) {
                return;
            }
            Refusal byHook = dev.ferry.server.connection.HookRefusal.in(failure);
            if (byHook != null) {
                refuse(WampMessage.SUBSCRIBE, request, byHook);
                return;
            }
            if (failure != null) {
                TooManyTopicsException full = TooManyTopicsException.in(failure);
                ErrorCode code = full != null ? ErrorCode.TOO_MANY_TOPICS : ErrorCode.UNAVAILABLE;
                error(WampMessage.SUBSCRIBE, request, WampErrors.uri(code),
                        full != null ? full.getMessage() : "the cluster backend is unavailable; try again", code);
                return;
            }
            Subscription s = subscriptionsByPattern.get(pattern);
            if (s == null) {
                WampMeta.Entry e = router.meta().subscriptions.join(this, pattern, uri, match, null, false);
                long sid = e.id;
                // the tail is in the delivery by then: deliver encodes it first
                s = new Subscription(sid, pattern, Topics.hasWildcard(pattern) ? pattern.split("\\.", -1) : null,
                        e.eventKey(codec), e.deflatedKey(codec),
                        x -> framedEvent(sid, x.encoded(eventKey, tailEncoder), x.msg().topic()));
                subscriptions.put(s.id(), s);
                subscribed = subscriptions.values().toArray(NO_SUBSCRIPTIONS);
                subscriptionsByPattern.put(pattern, s);
            }
            send(WampCodec.array(WampMessage.SUBSCRIBED).add(request).add(s.id()));
        });
    }

    /** The Ferry pattern of a subscription to {@code uri} with {@code match}; null for an unknown match policy. */
    private String pattern(String uri, String match) {
        return switch (match) {
            case "exact" -> prefix + uri;
            case "prefix" -> prefix + uri + "." + Topics.ANY_WORDS;
            case "wildcard" -> prefix + wildcard(uri);
            default -> null;
        };
    }

    /**
     * A subscription to a meta topic: allowed by the {@code subscribe} permission on its mapped name (e.g.
     * {@code app1.wamp.session.on_join}); its events come from this node's sessions (docs/wamp.md, "Meta API").
     */
    private void subscribeMeta(long request, String uri) {
        for (Map.Entry<Long, String> held : metaSubscriptions.entrySet()) {
            if (held.getValue().equals(uri)) {
                send(WampCodec.array(WampMessage.SUBSCRIBED).add(request).add(held.getKey()));
                return;
            }
        }
        Refusal r = connection.admission().subscribe(connection.scope(), prefix + uri);
        if (r == null) {
            r = connection.admission().roomFor(subscriptions.size() + metaSubscriptions.size());
        }
        if (r != null) {
            refuse(WampMessage.SUBSCRIBE, request, r);
            return;
        }
        long id = router.meta().subscriptions.join(this, WampMeta.metaPattern(uri), uri, "exact", null, true).id;
        metaSubscriptions.put(id, uri);
        send(WampCodec.array(WampMessage.SUBSCRIBED).add(request).add(id));
    }

    /** A meta event for this session's subscription {@code id}: EVENT with the event's arguments. */
    void metaEvent(long id, long publication, ArrayNode args) {
        if (state == State.ESTABLISHED && metaSubscriptions.containsKey(id)) {
            send(WampCodec.array(WampMessage.EVENT).add(id).add(publication).add(WampCodec.object()).add(args));
        }
    }

    long sessionId() {
        return sessionId;
    }

    String realmName() {
        return realm.name();
    }

    /** A wildcard URI as a Ferry pattern: each empty component matches one word ({@code *}). */
    private static String wildcard(String uri) {
        String[] parts = uri.split("\\.", -1);
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].isEmpty()) {
                parts[i] = Topics.ONE_WORD;
            }
        }
        return String.join(".", parts);
    }

    private void unsubscribe(WampMessage m) throws WampException {
        m.length(3, 3, "[UNSUBSCRIBE, Request|id, SUBSCRIBED.Subscription|id]");
        long request = m.id(1, "Request");
        long id = m.id(2, "SUBSCRIBED.Subscription");
        if (metaSubscriptions.remove(id) != null) {
            router.meta().subscriptions.leave(this, id, true);
            send(WampCodec.array(WampMessage.UNSUBSCRIBED).add(request));
            return;
        }
        Subscription s = subscriptions.remove(id);
        subscribed = subscriptions.values().toArray(NO_SUBSCRIPTIONS);
        if (s == null) {
            error(WampMessage.UNSUBSCRIBE, request, WampErrors.NO_SUCH_SUBSCRIPTION, "no subscription " + id + " in this session",
                    ErrorCode.NOT_SUBSCRIBED);
            return;
        }
        subscriptionsByPattern.remove(s.pattern());
        connection.unsubscribe(s.pattern());
        router.meta().subscriptions.leave(this, id, false);
        send(WampCodec.array(WampMessage.UNSUBSCRIBED).add(request));
    }

    private void publish(WampMessage m) throws WampException {
        m.length(4, 6, "[PUBLISH, Request|id, Options|dict, Topic|uri, Arguments|list, ArgumentsKw|dict]");
        long request = m.id(1, "Request");
        ObjectNode options = m.dict(2, "Options");
        String uri = m.string(3, "Topic");
        Payload data = WampPayloads.fromWamp(m.args(4), m.kwargs(5), codec.binary());
        boolean ack = options.path("acknowledge").asBoolean(false);
        String why = reserved(uri);
        if (why != null) {
            if (ack) {
                error(WampMessage.PUBLISH, request, WampErrors.INVALID_URI, why, null);
            }
            return;
        }
        String topic = prefix + uri;
        Map<String, String> tags = new HashMap<>(4);
        String bad = listTag(options, "exclude", TAG_EXCLUDED, tags);
        if (bad == null) {
            bad = listTag(options, "eligible", TAG_ELIGIBLE, tags);
        }
        if (bad != null) {
            if (ack) {
                error(WampMessage.PUBLISH, request, WampErrors.INVALID_ARGUMENT, bad, null);
            }
            return;
        }
        if (options.path("exclude_me").asBoolean(true) && receives(topic)) {
            tags.merge(TAG_EXCLUDED, Long.toString(sessionId), (a, b) -> a + " " + b);
        }
        if (options.path("disclose_me").asBoolean(false)) {
            tags.put(TAG_PUBLISHER, Long.toString(sessionId));
            tags.put(TAG_PUBLISHER_AUTHID, authid);
            tags.put(TAG_PUBLISHER_AUTHROLE, authrole);
        }
        Refusal r = connection.admitPublish(topic, data, tags);
        if (r != null) {
            if (ack) {
                refuse(WampMessage.PUBLISH, request, r);
            }
            return;
        }
        connection.publishAdmitted(topic, data, tags, null).whenComplete((published, failure) -> {
            if (ack) {
                executor().execute(() -> published(request, topic, published, failure));
            }
        });
    }

    private void published(long request, String topic, Published published, Throwable failure) {
        if (state != State.ESTABLISHED) {
            return;
        }
        if (failure == null) {
            send(WampCodec.array(WampMessage.PUBLISHED).add(request).add(publicationId(topic, published.epoch(), published.offset())));
            return;
        }
        dev.ferry.server.connection.Refusal byHook = dev.ferry.server.connection.HookRefusal.in(failure);
        if (byHook != null) {
            error(WampMessage.PUBLISH, request, WampErrors.uri(byHook.code()), byHook.message(), byHook.code());
            return;
        }
        TooManyTopicsException full = TooManyTopicsException.in(failure);
        ErrorCode code = full != null ? ErrorCode.TOO_MANY_TOPICS : ErrorCode.UNAVAILABLE;
        error(WampMessage.PUBLISH, request, WampErrors.uri(code),
                full != null ? full.getMessage() : "the cluster backend is unavailable; try again", code);
    }

    /** Whether one of this session's subscriptions matches {@code topic}. */
    private boolean receives(String topic) {
        for (Subscription s : subscribed) {
            if (s.matches(topic)) {
                return true;
            }
        }
        return false;
    }

    /** {@code options[key]}, a list of session ids, as a tag; why it cannot be one, or null. */
    private static String listTag(ObjectNode options, String key, String tag, Map<String, String> tags) {
        JsonNode list = options.get(key);
        if (list == null) {
            return null;
        }
        if (!list.isArray() || list.size() > MAX_LISTED_SESSIONS) {
            return key + " must be a list of at most " + MAX_LISTED_SESSIONS + " session ids";
        }
        StringBuilder ids = new StringBuilder();
        for (JsonNode n : list) {
            if (!n.isIntegralNumber() || n.longValue() < 1 || n.longValue() > WampMessage.MAX_ID) {
                return key + " must be a list of session ids (integers in [1, 2^53])";
            }
            ids.append(ids.length() == 0 ? "" : " ").append(n.longValue());
        }
        tags.put(tag, ids.toString());
        return null;
    }

    /**
     * The publication id of a publication (WAMP: global scope): derived from its topic, epoch and offset, so that
     * its publisher's PUBLISHED and every subscriber's EVENT, on any node, name it alike.
     */
    static long publicationId(String topic, String epoch, long offset) {
        long h = 1125899906842597L;
        for (int i = 0; i < topic.length(); i++) {
            h = 31 * h + topic.charAt(i);
        }
        if (epoch != null) {
            for (int i = 0; i < epoch.length(); i++) {
                h = 31 * h + epoch.charAt(i);
            }
        }
        h = h * 0x9E3779B97F4A7C15L + offset;
        long id = (h ^ (h >>> 29)) & (WampMessage.MAX_ID - 1);
        return id == 0 ? 1 : id;
    }

    // ------------------------------------------------------------ from the hub

    @Override
    public EventExecutor executor() {
        return out.executor();
    }

    /**
     * A publication: one EVENT per subscription of this session that matches it, unless the publication excludes
     * this session or names the eligible ones without it. The EVENT's tail (publication id, details, arguments) is
     * encoded once per event loop, serialization and realm; the whole EVENT, framed, once per event loop,
     * serialization and subscription (subscription ids are shared by the sessions of a realm subscribed to one
     * pattern), and written as it is to each of them. For the sessions that negotiated permessage-deflate, that
     * frame is compressed once per event loop too (the server compresses without context takeover, so the bytes
     * are the same for all of them), unless it is below {@code websocket.deflate-threshold-bytes}.
     */
    @Override
    public void deliver(Delivery d) {
        if (state != State.ESTABLISHED) {
            return;
        }
        Map<String, String> tags = d.msg().tags();
        if (!tags.isEmpty() && !eligible(tags)) {
            return;
        }
        String topic = d.msg().topic();
        ByteBuf tail = null;
        for (Subscription s : subscribed) {
            if (s.matches(topic)) {
                if (tail == null) {
                    tail = d.encoded(eventKey, tailEncoder);
                    if (tail == null) {
                        return;
                    }
                }
                ByteBuf framed = d.encoded(s.eventKey(), s.framer());
                ByteBuf compressed = out.deflatedFrame(eventDeflated == null ? d : counted(d), s.deflatedKey(), framed);
                out.sendFramedMessage((compressed != null ? compressed : framed).retain()); // shared: see sendFramedMessage
            }
        }
    }

    /** The EVENT for subscription {@code id} from its encoded {@code tail}, as one WebSocket frame. */
    private ByteBuf framedEvent(long id, ByteBuf tail, String topic) {
        ByteBuf event = codec.event(id, tail);
        try {
            return dev.ferry.server.transport.WebSocketFraming.frame(event, codec.binary());
        } finally {
            event.release();
            java.util.function.Consumer<String> hook = eventFramed;
            if (hook != null) {
                hook.accept(topic);
            }
        }
    }

    /** {@code d}, reporting each EVENT it compresses to {@link #eventDeflated} (tests only). */
    private static dev.ferry.server.transport.SharedEncodings counted(Delivery d) {
        return (key, encoder) -> d.shared(key, () -> {
            ByteBuf made = encoder.get();
            java.util.function.Consumer<String> hook = eventDeflated;
            if (hook != null) {
                hook.accept(d.msg().topic());
            }
            return made;
        });
    }

    private boolean eligible(Map<String, String> tags) {
        String me = Long.toString(sessionId);
        String excluded = tags.get(TAG_EXCLUDED);
        if (excluded != null && List.of(excluded.split(" ")).contains(me)) {
            return false;
        }
        String only = tags.get(TAG_ELIGIBLE);
        return only == null || List.of(only.split(" ")).contains(me);
    }

    /** {@code [Publication|id, Details|dict, Arguments|list, ArgumentsKw|dict]} of a publication, encoded. */
    private ByteBuf eventTail(Delivery d) {
        Frame.Msg msg = d.msg();
        if (!msg.topic().startsWith(prefix)) {
            return null;
        }
        ObjectNode details = WampCodec.object();
        details.put("topic", msg.topic().substring(prefix.length()));
        String publisher = msg.tags().get(TAG_PUBLISHER);
        if (publisher != null) {
            try {
                details.put("publisher", Long.parseLong(publisher));
            } catch (NumberFormatException e) {
                details.put("publisher", publisher); // set by a ferry.v1 client
            }
            details.put("publisher_authid", msg.tags().getOrDefault(TAG_PUBLISHER_AUTHID, ""));
            details.put("publisher_authrole", msg.tags().getOrDefault(TAG_PUBLISHER_AUTHROLE, ""));
        }
        ArrayNode tail = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        tail.add(publicationId(msg.topic(), msg.epoch(), msg.offset())).add(details);
        WampPayloads.append(tail, msg.data(), codec.binary());
        return Unpooled.wrappedBuffer(codec.encode(tail));
    }

    @Override
    public String kind() {
        return "wamp";
    }

    @Override
    public dev.ferry.server.rpc.CallOrigin origin() {
        return connection == null ? dev.ferry.server.rpc.CallOrigin.UNKNOWN
                : new dev.ferry.server.rpc.CallOrigin(kind(), connection.id(), connection.identity());
    }

    @Override
    public long queuedBytes() {
        return out.queuedBytes();
    }

    /** The procedures this session has registered, as Ferry procedures (with the realm's prefix). */
    @Override
    public java.util.Collection<String> registrations() {
        return List.copyOf(registrations.values());
    }

    @Override
    public void write(ByteBuf frame, boolean binary) {
        frame.release(); // presence pushes are ferry.v1's
    }

    @Override
    public void close(int code, String reason) {
        out.close(code, reason);
    }

    /**
     * A reload revoked permissions: each subscription and registration the session may no longer hold is removed.
     * A client that announced {@code subscription_revocation} (subscriber) or {@code registration_revocation}
     * (callee) gets {@code [UNSUBSCRIBED, 0, {"subscription", "reason": "wamp.error.not_authorized"}]} or
     * {@code [UNREGISTERED, 0, {"registration", "reason": ...}]} (the WAMP advanced profile's revocation); the
     * basic profile has no such message, so for other clients the subscription's events or the registration's
     * invocations just stop (docs/wamp.md).
     */
    @Override
    public void permissionsChanged(Connection c) {
        if (state != State.ESTABLISHED) {
            return;
        }
        connection.dropRevoked((pattern, refusal) -> {
            Subscription s = subscriptionsByPattern.remove(pattern);
            if (s != null) {
                subscriptions.remove(s.id());
                subscribed = subscriptions.values().toArray(NO_SUBSCRIPTIONS);
                router.meta().subscriptions.leave(this, s.id(), false);
                if (subscriberRevocation) {
                    ObjectNode details = WampCodec.object();
                    details.put("subscription", s.id());
                    details.put("reason", WampErrors.NOT_AUTHORIZED);
                    send(WampCodec.array(WampMessage.UNSUBSCRIBED).add(0).add(details));
                }
            }
        });
        for (Map.Entry<Long, String> m : List.copyOf(metaSubscriptions.entrySet())) {
            if (connection.admission().revoked(connection.scope(), dev.ferry.server.auth.Action.SUBSCRIBE,
                    prefix + m.getValue(), null) != null) {
                metaSubscriptions.remove(m.getKey());
                router.meta().subscriptions.leave(this, m.getKey(), true);
                if (subscriberRevocation) {
                    ObjectNode details = WampCodec.object();
                    details.put("subscription", m.getKey());
                    details.put("reason", WampErrors.NOT_AUTHORIZED);
                    send(WampCodec.array(WampMessage.UNSUBSCRIBED).add(0).add(details));
                }
            }
        }
        for (Map.Entry<Long, String> r : List.copyOf(registrations.entrySet())) {
            if (connection.admission().revoked(connection.scope(), dev.ferry.server.auth.Action.REGISTER, r.getValue(),
                    null) != null) {
                registrations.remove(r.getKey());
                registrationsByProc.remove(r.getValue());
                server.sessions().rpc().unregister(r.getValue(), this);
                router.meta().registrations.leave(this, r.getKey(), false);
                if (calleeRevocation) {
                    ObjectNode details = WampCodec.object();
                    details.put("registration", r.getKey());
                    details.put("reason", WampErrors.NOT_AUTHORIZED);
                    send(WampCodec.array(WampMessage.UNREGISTERED).add(0).add(details));
                }
            }
        }
    }

    /** Publications may have been missed (the engine lost its backend): close 1013 so that the client rejoins. */
    @Override
    public void interrupted() {
        if (state == State.ESTABLISHED && !subscriptions.isEmpty()) {
            out.close(CloseCodes.TRY_AGAIN_LATER, "cluster connection lost: rejoin");
        }
    }

    // ------------------------------------------------------------ calls (this session as caller)

    private void call(WampMessage m) throws WampException {
        m.length(4, 6, "[CALL, Request|id, Options|dict, Procedure|uri, Arguments|list, ArgumentsKw|dict]");
        long request = m.id(1, "Request");
        ObjectNode options = m.dict(2, "Options");
        String uri = m.string(3, "Procedure");
        Payload args = WampPayloads.fromWamp(m.args(4), m.kwargs(5), codec.binary());
        if (calls.containsKey(request)) {
            throw WampException.violation("CALL: request " + request + " is already in flight");
        }
        if (uri.startsWith("wamp.")) {
            metaCall(request, uri, m.args(4), m.kwargs(5));
            return;
        }
        String proc = prefix + uri;
        Refusal r = connection.admission().call(connection.scope(), proc);
        if (r != null) {
            refuse(WampMessage.CALL, request, r);
            return;
        }
        int maxPending = server.sessions().config().limits().maxPendingCalls();
        if (calls.size() >= maxPending) {
            server.sessions().security().counters().pendingCallsRefused();
            error(WampMessage.CALL, request, WampErrors.uri(ErrorCode.TOO_MANY_PENDING_CALLS), "this session already has "
                    + maxPending + " calls waiting for a result (limits.max-pending-calls)", ErrorCode.TOO_MANY_PENDING_CALLS);
            return;
        }
        JsonNode t = options.get("timeout");
        long max = server.sessions().rpc().config().maxTimeout().toMillis();
        long timeout = server.sessions().rpc().config().defaultTimeout().toMillis();
        if (t != null) {
            if (!t.isIntegralNumber() || t.longValue() < 0 || t.longValue() > max) {
                error(WampMessage.CALL, request, WampErrors.INVALID_ARGUMENT,
                        "timeout: " + t + " (expected: 0 to " + max + " ms, rpc.max-timeout)", ErrorCode.BAD_TIMEOUT);
                return;
            }
            if (t.longValue() > 0) {
                timeout = t.longValue();
            }
        }
        boolean progress = options.path("receive_progress").asBoolean(false);
        DisclosedCaller disclosed = options.path("disclose_me").asBoolean(false)
                ? new DisclosedCaller(sessionId, authid, authrole) : null;
        long invocation = server.sessions().rpc().call(this, request, proc, args, timeout, progress, disclosed);
        if (invocation != 0) {
            calls.put(request, invocation);
        }
    }

    // ------------------------------------------------------------ meta API

    /**
     * A call of a meta procedure (docs/wamp.md, "Meta API"): allowed by the {@code call} permission on its mapped
     * name (e.g. {@code app1.wamp.session.list}) and the call rate; the {@code wamp.session.kill*} procedures also
     * need the {@code admin} action. Answered from what every node of the cluster holds (a node that does not
     * answer within the server API's timeout is left out).
     */
    private void metaCall(long request, String uri, ArrayNode args, ObjectNode kwargs) {
        Refusal r = connection.admission().call(connection.scope(), prefix + uri);
        if (r != null) {
            refuse(WampMessage.CALL, request, r);
            return;
        }
        String realmName = realm.name();
        JsonNode a0 = args != null && args.size() > 0 ? args.get(0) : null;
        JsonNode a1 = args != null && args.size() > 1 ? args.get(1) : null;
        switch (uri) {
            case "wamp.session.count", "wamp.session.list" -> {
                ObjectNode q = WampRouter.request("sessions").put("realm", realmName);
                if (a0 != null && !a0.isNull()) {
                    if (!a0.isArray()) {
                        metaArgument(request, uri + ": filter_authroles must be a list of strings");
                        return;
                    }
                    q.set("roles", a0);
                }
                askNodes(request, q, answers -> {
                    long count = 0;
                    java.util.TreeSet<Long> ids = new java.util.TreeSet<>();
                    for (JsonNode a : answers) {
                        count += a.path("count").asLong();
                        a.path("ids").forEach(n -> ids.add(n.asLong()));
                    }
                    if (uri.endsWith("count")) {
                        metaResult(request, com.fasterxml.jackson.databind.node.LongNode.valueOf(count));
                    } else {
                        List<Long> sorted = new ArrayList<>(ids);
                        metaResult(request, ids(sorted.subList(0, Math.min(sorted.size(), WampMeta.MAX_LISTED))));
                    }
                });
            }
            case "wamp.session.get" -> {
                if (!isId(a0)) {
                    metaArgument(request, uri + ": expected a session id");
                    return;
                }
                long id = a0.longValue();
                askNodes(request, WampRouter.request("session").put("realm", realmName).put("id", id), answers -> {
                    for (JsonNode a : answers) {
                        if (a.has("details")) {
                            metaResult(request, a.get("details"));
                            return;
                        }
                    }
                    error(WampMessage.CALL, request, WampErrors.NO_SUCH_SESSION, "no session " + id + " in this realm", null);
                });
            }
            case "wamp.session.kill", "wamp.session.kill_by_authid", "wamp.session.kill_by_authrole",
                 "wamp.session.kill_all" -> kill(request, uri, a0, kwargs);
            case "wamp.subscription.list", "wamp.registration.list" -> entries(request, uri, entries -> {
                ObjectNode byMatch = WampCodec.object();
                ArrayNode exact = byMatch.putArray("exact");
                ArrayNode prefixed = byMatch.putArray("prefix");
                ArrayNode wild = byMatch.putArray("wildcard");
                for (MergedEntry e : entries.values()) {
                    String match = e.details.path("match").asText();
                    (match.equals("prefix") ? prefixed : match.equals("wildcard") ? wild : exact).add(e.id);
                }
                metaResult(request, byMatch);
            });
            case "wamp.subscription.lookup", "wamp.registration.lookup" -> {
                String match = a1 != null && a1.isObject() ? a1.path("match").asText("exact") : "exact";
                if (a0 == null || !a0.isTextual()) {
                    metaArgument(request, uri + ": expected a URI");
                    return;
                }
                String pattern = pattern(a0.textValue(), match);
                entries(request, uri, entries -> {
                    MergedEntry e = pattern == null ? null : entries.get(WampMeta.entryId(kindOf(uri), realmName, pattern));
                    metaResult(request, e == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance()
                            : com.fasterxml.jackson.databind.node.LongNode.valueOf(e.id));
                });
            }
            case "wamp.subscription.match", "wamp.registration.match" -> {
                if (a0 == null || !a0.isTextual()) {
                    metaArgument(request, uri + ": expected a URI");
                    return;
                }
                String name = prefix + a0.textValue();
                if (uri.startsWith("wamp.subscription")) {
                    entries(request, uri, entries -> {
                        List<Long> ids = new ArrayList<>();
                        for (MergedEntry e : entries.values()) {
                            if (Topics.matches(e.pattern, name)) {
                                ids.add(e.id);
                            }
                        }
                        metaResult(request, ids.isEmpty() ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : ids(ids));
                    });
                } else {
                    String registered = server.sessions().rpc().matchRegistrationInCluster(name);
                    entries(request, uri, entries -> {
                        MergedEntry e = registered == null ? null
                                : entries.get(WampMeta.entryId("registration", realmName, registered));
                        metaResult(request, e == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance()
                                : com.fasterxml.jackson.databind.node.LongNode.valueOf(e.id));
                    });
                }
            }
            case "wamp.subscription.get", "wamp.subscription.list_subscribers", "wamp.subscription.count_subscribers",
                 "wamp.registration.get", "wamp.registration.list_callees", "wamp.registration.count_callees" -> {
                boolean subs = uri.startsWith("wamp.subscription");
                if (!isId(a0)) {
                    metaArgument(request, uri + ": expected a " + (subs ? "subscription" : "registration") + " id");
                    return;
                }
                long id = a0.longValue();
                entries(request, uri, entries -> {
                    MergedEntry e = entries.get(id);
                    if (e == null) {
                        error(WampMessage.CALL, request, subs ? WampErrors.NO_SUCH_SUBSCRIPTION : WampErrors.NO_SUCH_REGISTRATION,
                                "no " + (subs ? "subscription " : "registration ") + id + " in this realm", null);
                    } else if (uri.endsWith(".get")) {
                        metaResult(request, e.details);
                    } else if (uri.contains(".count_")) {
                        metaResult(request, com.fasterxml.jackson.databind.node.LongNode.valueOf(e.count));
                    } else {
                        List<Long> ids = new ArrayList<>(e.holders);
                        metaResult(request, ids(ids.subList(0, Math.min(ids.size(), WampMeta.MAX_LISTED))));
                    }
                });
            }
            case "wamp.subscription.get_events" -> getEvents(request, a0, a1);
            default -> error(WampMessage.CALL, request, WampErrors.NO_SUCH_PROCEDURE,
                    "the meta procedure \"" + shorten(uri) + "\" is not provided by this router", null);
        }
    }

    /** {@code subscription} or {@code registration}: the kind of entry meta procedure {@code uri} is about. */
    private static String kindOf(String uri) {
        return uri.startsWith("wamp.subscription") ? "subscription" : "registration";
    }

    /**
     * One subscription or registration as the nodes hold it: its id, pattern, details (the earliest
     * {@code created}), the number of its holders on all nodes and their ids (sorted).
     */
    private static final class MergedEntry {
        final long id;
        final String pattern;
        ObjectNode details;
        long count;
        final java.util.TreeSet<Long> holders = new java.util.TreeSet<>();

        MergedEntry(long id, String pattern, ObjectNode details) {
            this.id = id;
            this.pattern = pattern;
            this.details = details;
        }
    }

    /**
     * The subscriptions (meta procedure {@code uri} of {@code wamp.subscription}) or registrations of the realm on
     * all nodes, by id in ascending order, handed to {@code then} on this session's event loop.
     */
    private void entries(long request, String uri, java.util.function.Consumer<java.util.SortedMap<Long, MergedEntry>> then) {
        askNodes(request, WampRouter.request("entries").put("kind", kindOf(uri)).put("realm", realm.name()), answers -> {
            java.util.SortedMap<Long, MergedEntry> merged = new java.util.TreeMap<>();
            for (JsonNode a : answers) {
                for (JsonNode n : a.path("entries")) {
                    if (!n.path("details").isObject()) {
                        continue;
                    }
                    long id = n.path("id").asLong();
                    ObjectNode details = (ObjectNode) n.get("details");
                    MergedEntry e = merged.computeIfAbsent(id, k -> new MergedEntry(id, n.path("pattern").asText(), details));
                    if (details.path("created").asText().compareTo(e.details.path("created").asText()) < 0) {
                        e.details = details;
                    }
                    e.count += n.path("count").asLong();
                    n.path("holders").forEach(h -> e.holders.add(h.asLong()));
                }
            }
            while (merged.size() > WampMeta.MAX_LISTED) {
                merged.remove(merged.lastKey());
            }
            then.accept(merged);
        });
    }

    /**
     * Asks every node's router {@code q} and hands the answers to {@code then} on this session's event loop, unless
     * the session has ended meanwhile.
     */
    private void askNodes(long request, ObjectNode q, java.util.function.Consumer<List<JsonNode>> then) {
        router.askAll(q).whenComplete((answers, failure) -> executor().execute(() -> {
            if (state != State.ESTABLISHED) {
                return;
            }
            if (failure != null) {
                error(WampMessage.CALL, request, WampErrors.uri(ErrorCode.UNAVAILABLE),
                        "the other nodes could not be asked; try again", ErrorCode.UNAVAILABLE);
                return;
            }
            then.accept(answers);
        }));
    }

    /**
     * {@code wamp.session.kill} ({@code [session]}), {@code kill_by_authid} ({@code [authid]}),
     * {@code kill_by_authrole} ({@code [authrole]}) and {@code kill_all}, with the keyword arguments {@code reason}
     * (a URI, default {@code wamp.close.killed}) and {@code message}: the sessions of the realm that match, on every
     * node, get GOODBYE with that reason and are closed; the caller's own session is never killed. Needs the
     * {@code admin} action ({@code wamp.error.not_authorized} otherwise). Results: none for {@code kill} (an
     * unknown session, or the caller's own, is {@code wamp.error.no_such_session}), the killed session ids for
     * {@code kill_by_authid}, their number for the others.
     */
    private void kill(long request, String uri, JsonNode a0, ObjectNode kwargs) {
        Refusal r = connection.admission().permit(connection.scope(), dev.ferry.server.auth.Action.ADMIN,
                dev.ferry.server.auth.Action.ADMIN_TARGET);
        if (r != null) {
            refuse(WampMessage.CALL, request, r);
            return;
        }
        ObjectNode q = WampRouter.request("kill").put("realm", realm.name()).put("except", sessionId);
        switch (uri) {
            case "wamp.session.kill" -> {
                if (!isId(a0)) {
                    metaArgument(request, uri + ": expected a session id");
                    return;
                }
                q.put("session", a0.longValue());
            }
            case "wamp.session.kill_by_authid", "wamp.session.kill_by_authrole" -> {
                if (a0 == null || !a0.isTextual()) {
                    metaArgument(request, uri + ": expected " + (uri.endsWith("authid") ? "an authid" : "an authrole"));
                    return;
                }
                q.put(uri.endsWith("authid") ? "authid" : "authrole", a0.textValue());
            }
            default -> {
            }
        }
        JsonNode reason = kwargs == null ? null : kwargs.get("reason");
        if (reason != null && (!reason.isTextual() || !WampMessage.isUri(reason.textValue()))) {
            metaArgument(request, uri + ": reason must be a URI");
            return;
        }
        JsonNode message = kwargs == null ? null : kwargs.get("message");
        if (message != null && !message.isTextual()) {
            metaArgument(request, uri + ": message must be a string");
            return;
        }
        q.put("reason", reason != null ? reason.textValue() : WampErrors.KILLED);
        if (message != null) {
            q.put("message", message.textValue());
        }
        askNodes(request, q, answers -> {
            java.util.TreeSet<Long> killed = new java.util.TreeSet<>();
            for (JsonNode a : answers) {
                a.path("killed").forEach(n -> killed.add(n.asLong()));
            }
            switch (uri) {
                case "wamp.session.kill" -> {
                    if (killed.isEmpty()) {
                        error(WampMessage.CALL, request, WampErrors.NO_SUCH_SESSION, "no session " + a0.longValue()
                                + " in this realm" + (a0.longValue() == sessionId ? " but the caller's own" : ""), null);
                    } else {
                        send(WampCodec.array(WampMessage.RESULT).add(request).add(WampCodec.object()));
                    }
                }
                case "wamp.session.kill_by_authid" -> metaResult(request, ids(new ArrayList<>(killed)));
                default -> metaResult(request, com.fasterxml.jackson.databind.node.LongNode.valueOf(killed.size()));
            }
        });
    }

    /**
     * This session is killed ({@code wamp.session.kill*}): GOODBYE with {@code reason} and {@code message}; the
     * session takes nothing more, and the WebSocket closes when the client answers GOODBYE, or after
     * {@link #KILL_GRACE} at the latest.
     */
    void kill(String reason, String message) {
        if (!goodbye(reason, message)) {
            return;
        }
        server.sessions().clock().schedule(executor(), () -> {
            if (state == State.CLOSING) {
                state = State.CLOSED;
                out.close(NORMAL_CLOSURE, "killed");
            }
        }, KILL_GRACE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** How long a killed session's client has to answer GOODBYE before its WebSocket is closed. */
    static final java.time.Duration KILL_GRACE = java.time.Duration.ofSeconds(5);

    /** Most events one {@code wamp.subscription.get_events} returns when the call names no {@code limit}. */
    static final int DEFAULT_EVENTS = 10;

    /**
     * {@code wamp.subscription.get_events(subscription, limit)}: the latest {@code limit} publications kept in the
     * history of the topic of one of this session's exact subscriptions, oldest first.
     */
    private void getEvents(long request, JsonNode id, JsonNode limitArg) {
        if (!isId(id)) {
            metaArgument(request, "wamp.subscription.get_events: expected a subscription id");
            return;
        }
        Subscription s = subscriptions.get(id.longValue());
        if (s == null) {
            error(WampMessage.CALL, request, WampErrors.NO_SUCH_SUBSCRIPTION, "no subscription " + id.longValue()
                    + " in this session", null);
            return;
        }
        if (Topics.hasWildcard(s.pattern())) {
            metaArgument(request, "wamp.subscription.get_events: history is kept by topic, and subscription "
                    + s.id() + " is a pattern (prefix or wildcard)");
            return;
        }
        int max = server.sessions().hub().historyConfig().maxRecovery();
        int limit = DEFAULT_EVENTS;
        if (limitArg != null && !limitArg.isNull()) {
            if (!limitArg.isIntegralNumber() || limitArg.longValue() < 1) {
                metaArgument(request, "wamp.subscription.get_events: limit must be a positive integer");
                return;
            }
            limit = (int) Math.min(limitArg.longValue(), max);
        }
        String topic = s.pattern();
        server.sessions().hub().history(topic, 0, 0, Math.min(limit, max), true).whenComplete((page, failure) ->
                executor().execute(() -> {
                    if (state != State.ESTABLISHED) {
                        return;
                    }
                    if (failure != null) {
                        error(WampMessage.CALL, request, WampErrors.uri(ErrorCode.UNAVAILABLE),
                                "the history of \"" + topic + "\" could not be read; try again", ErrorCode.UNAVAILABLE);
                        return;
                    }
                    ArrayNode events = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
                    for (int i = page.items().size() - 1; i >= 0; i--) {
                        Frame.Msg msg = page.items().get(i);
                        ObjectNode e = events.addObject();
                        long at = i < page.timesMillis().size() ? page.timesMillis().get(i) : 0;
                        e.put("timestamp", java.time.Instant.ofEpochMilli(at).toString());
                        e.put("subscription", s.id());
                        e.put("publication", publicationId(msg.topic(), msg.epoch(), msg.offset()));
                        e.put("topic", msg.topic().substring(prefix.length()));
                        JsonNode[] ak = WampPayloads.toWamp(msg.data(), codec.binary());
                        e.set("args", ak[0] != null ? ak[0] : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode());
                        e.set("kwargs", ak[1] != null ? ak[1] : WampCodec.object());
                    }
                    metaResult(request, events);
                }));
    }

    private static boolean isId(JsonNode n) {
        return n != null && n.isIntegralNumber() && n.longValue() >= 1 && n.longValue() <= WampMessage.MAX_ID;
    }

    private static ArrayNode ids(List<Long> ids) {
        ArrayNode a = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        ids.forEach(a::add);
        return a;
    }

    private void metaArgument(long request, String message) {
        error(WampMessage.CALL, request, WampErrors.INVALID_ARGUMENT, message, null);
    }

    /** RESULT with one positional argument. */
    private void metaResult(long request, JsonNode value) {
        ArrayNode result = WampCodec.array(WampMessage.RESULT).add(request).add(WampCodec.object());
        result.addArray().add(value);
        send(result);
    }

    @Override
    public void callSucceeded(long request, Payload result) {
        if (calls.remove(request) != null && state == State.ESTABLISHED) {
            send(WampPayloads.append(WampCodec.array(WampMessage.RESULT).add(request).add(WampCodec.object()), result,
                    codec.binary()));
        }
    }

    /** A progressive result of a call made with {@code receive_progress}: RESULT with {@code progress: true}. */
    @Override
    public void callProgress(long request, Payload data) {
        if (calls.containsKey(request) && state == State.ESTABLISHED) {
            ObjectNode details = WampCodec.object();
            details.put("progress", true);
            send(WampPayloads.append(WampCodec.array(WampMessage.RESULT).add(request).add(details), data, codec.binary()));
        }
    }

    /**
     * {@code CANCEL} of a call in flight, with {@code mode} {@code skip}, {@code kill} or {@code killnowait} (the
     * default): the call ends with ERROR {@code wamp.error.canceled} as the mode says, and the callee gets INTERRUPT
     * unless the mode is {@code skip}. A call already settled is not answered again.
     */
    private void cancel(WampMessage m) throws WampException {
        m.length(3, 3, "[CANCEL, CALL.Request|id, Options|dict]");
        long request = m.id(1, "CALL.Request");
        ObjectNode options = m.dict(2, "Options");
        JsonNode given = options.get("mode");
        CancelMode mode = given == null ? CancelMode.DEFAULT : CancelMode.fromWire(given.asText());
        Long invocation = calls.get(request);
        if (invocation == null) {
            return;
        }
        if (mode == null) {
            error(WampMessage.CANCEL, request, WampErrors.INVALID_ARGUMENT,
                    "mode " + shorten(given.toString()) + " (expected: skip, kill or killnowait)", null);
            return;
        }
        server.sessions().rpc().cancel(invocation, mode);
    }

    @Override
    public void callFailed(long request, ErrorCode code, String message, Payload data) {
        calls.remove(request);
        if (state != State.ESTABLISHED) {
            return;
        }
        if (code == ErrorCode.CALLEE_ERROR && data != null && !data.isBinary()) {
            JsonNode relayed = WampCodec.parseJson(data.bytes());
            String uri = relayed.path("code").asText("");
            JsonNode detail = relayed.get("data");
            ArrayNode e = WampCodec.array(WampMessage.ERROR).add(WampMessage.CALL).add(request).add(WampCodec.object())
                    .add(uri.isEmpty() ? WampErrors.FERRY_PREFIX + code.wire() : uri);
            if (detail != null) {
                WampPayloads.append(e, Payload.json(WampCodec.toJson(detail)), codec.binary());
            } else {
                e.addArray().add(message);
            }
            send(e);
            return;
        }
        error(WampMessage.CALL, request, WampErrors.uri(code), message, code,
                data == null || data.isBinary() ? null : data.bytes());
    }

    // ------------------------------------------------------------ registrations (this session as callee)

    private void register(WampMessage m) throws WampException {
        m.length(4, 4, "[REGISTER, Request|id, Options|dict, Procedure|uri]");
        long request = m.id(1, "Request");
        ObjectNode options = m.dict(2, "Options");
        String uri = m.string(3, "Procedure");
        String match = options.path("match").asText("exact");
        String proc = pattern(uri, match);
        if (proc == null) {
            error(WampMessage.REGISTER, request, WampErrors.INVALID_ARGUMENT,
                    "match \"" + shorten(match) + "\" is not supported (supported: exact, prefix, wildcard)", null);
            return;
        }
        String wire = options.path("invoke").asText(InvokePolicy.SINGLE.wire());
        InvokePolicy policy = InvokePolicy.fromWire(wire);
        if (policy == null) {
            error(WampMessage.REGISTER, request, WampErrors.INVALID_ARGUMENT, "invoke \"" + shorten(wire)
                    + "\" (expected: single, roundrobin, random, first or last)", null);
            return;
        }
        String why = reserved(uri);
        if (why == null && !match.equals("wildcard") && Topics.hasWildcard(uri)) {
            why = "procedure \"" + shorten(uri) + "\": \"*\" and \"#\" are not URI components (use match \"wildcard\" or \"prefix\")";
        }
        if (why != null) {
            error(WampMessage.REGISTER, request, WampErrors.INVALID_URI, why, null);
            return;
        }
        Refusal r = match.equals("exact") ? connection.admission().register(connection.scope(), proc)
                : connection.admission().registerPattern(connection.scope(), proc);
        if (r != null) {
            refuse(WampMessage.REGISTER, request, r);
            return;
        }
        if (registrationsByProc.containsKey(proc)) {
            error(WampMessage.REGISTER, request, WampErrors.PROCEDURE_ALREADY_EXISTS,
                    "this session has already registered \"" + shorten(uri) + "\"", null);
            return;
        }
        int max = connection.admission().maxSubscriptions();
        if (registrations.size() >= max) {
            error(WampMessage.REGISTER, request, WampErrors.uri(ErrorCode.TOO_MANY_SUBSCRIPTIONS), "this session already holds "
                    + max + " registrations (websocket.max-subscriptions)", ErrorCode.TOO_MANY_SUBSCRIPTIONS);
            return;
        }
        java.util.concurrent.CompletionStage<Void> reachable;
        try {
            reachable = server.sessions().rpc().register(proc, this, policy);
        } catch (Rpc.RegistrationRefused e) {
            error(WampMessage.REGISTER, request, WampErrors.PROCEDURE_ALREADY_EXISTS, e.getMessage(), null);
            return;
        }
        long id = router.meta().registrations.join(this, proc, uri, match, policy, false).id;
        registrations.put(id, proc);
        registrationsByProc.put(proc, id);
        // answered once the cluster can route calls here, as for ferry.v1
        reachable.whenComplete((ok, e) -> executor().execute(() -> {
            if (state == State.ESTABLISHED && registrations.containsKey(id)) {
                send(WampCodec.array(WampMessage.REGISTERED).add(request).add(id));
            }
        }));
    }

    private void unregister(WampMessage m) throws WampException {
        m.length(3, 3, "[UNREGISTER, Request|id, REGISTERED.Registration|id]");
        long request = m.id(1, "Request");
        long id = m.id(2, "REGISTERED.Registration");
        String proc = registrations.remove(id);
        if (proc == null) {
            error(WampMessage.UNREGISTER, request, WampErrors.NO_SUCH_REGISTRATION, "no registration " + id + " in this session",
                    ErrorCode.NOT_REGISTERED);
            return;
        }
        registrationsByProc.remove(proc);
        server.sessions().rpc().unregister(proc, this);
        router.meta().registrations.leave(this, id, false);
        send(WampCodec.array(WampMessage.UNREGISTERED).add(request));
    }

    /**
     * INVOCATION of a registered procedure; {@code receive_progress: true} in its details when the caller takes
     * progressive results, and {@code timeout} when the caller gave one.
     */
    @Override
    public void invoke(Invocation inv) {
        Long registration = registrationsByProc.get(inv.registered());
        if (state != State.ESTABLISHED || registration == null) {
            server.sessions().rpc().calleeGone(Set.of(inv.id()));
            return;
        }
        invocations.add(inv.id());
        ObjectNode details = WampCodec.object();
        if (!inv.registered().equals(inv.proc()) && inv.proc().startsWith(prefix)) {
            details.put("procedure", inv.proc().substring(prefix.length()));
        }
        DisclosedCaller caller = inv.caller();
        if (caller != null) {
            details.put("caller", caller.session());
            details.put("caller_authid", caller.authid());
            details.put("caller_authrole", caller.authrole());
        }
        if (inv.progress() && calleeProgresses) {
            details.put("receive_progress", true);
        }
        if (inv.timeoutMs() > 0) {
            details.put("timeout", inv.timeoutMs());
        }
        send(WampPayloads.append(WampCodec.array(WampMessage.INVOCATION).add(inv.id()).add(registration)
                .add(details), inv.args(), codec.binary()));
    }

    /**
     * INTERRUPT of an invocation its caller canceled ({@code mode} {@code kill} or {@code killnowait}) or that
     * timed out ({@code reason} {@code timeout}); after {@code killnowait} the callee's answer is not awaited. A
     * callee that did not announce {@code call_canceling} is not told (WAMP: the cancel is then a {@code skip} for
     * it): with {@code kill} its answer still settles the call.
     */
    @Override
    public void interrupt(long invocationId, CancelMode mode, String reason) {
        if (state != State.ESTABLISHED || !invocations.contains(invocationId)) {
            return;
        }
        if (mode != CancelMode.KILL) {
            invocations.remove(invocationId);
        }
        if (!calleeCancels || mode == CancelMode.SKIP) {
            return;
        }
        ObjectNode options = WampCodec.object();
        options.put("mode", mode.wire());
        options.put("reason", WampErrors.CANCELED.equals(reason) || "cancel".equals(reason) ? WampErrors.CANCELED
                : "timeout".equals(reason) ? WampErrors.TIMEOUT : reason);
        send(WampCodec.array(WampMessage.INTERRUPT).add(invocationId).add(options));
    }

    private void yielded(WampMessage m) throws WampException {
        m.length(3, 5, "[YIELD, INVOCATION.Request|id, Options|dict, Arguments|list, ArgumentsKw|dict]");
        long id = m.id(1, "INVOCATION.Request");
        ObjectNode options = m.dict(2, "Options");
        Payload result = WampPayloads.fromWamp(m.args(3), m.kwargs(4), codec.binary());
        if (options.path("progress").asBoolean(false)) {
            if (invocations.contains(id)) {
                server.sessions().rpc().progress(this, id, result);
            }
            return;
        }
        if (invocations.remove(id)) {
            server.sessions().rpc().reply(this, id, result, null);
        }
    }

    /** {@code ERROR} for an INVOCATION: the callee's error URI and arguments, relayed to the caller. */
    private void calleeError(WampMessage m) throws WampException {
        m.length(5, 7, "[ERROR, REQUEST.Type|int, REQUEST.Request|id, Details|dict, Error|uri, Arguments|list, ArgumentsKw|dict]");
        int type = m.integer(1, "REQUEST.Type");
        long id = m.id(2, "REQUEST.Request");
        m.dict(3, "Details");
        String uri = m.string(4, "Error");
        ArrayNode args = m.args(5);
        ObjectNode kwargs = m.kwargs(6);
        if (type != WampMessage.INVOCATION || !invocations.remove(id)) {
            return;
        }
        String message = args != null && !args.isEmpty() && args.get(0).isTextual() ? args.get(0).textValue() : uri;
        Payload data = args == null && kwargs == null ? null : WampPayloads.fromWamp(args, kwargs, codec.binary());
        server.sessions().rpc().reply(this, id, null, new Frame.ErrorBody(uri, message, data));
    }

    // ------------------------------------------------------------ errors and output

    /** Why {@code uri} may not be used by a client: the {@code wamp.} URIs are WAMP's own (WAMP §5.1.1.4). */
    private static String reserved(String uri) {
        return uri.startsWith("wamp.") ? "URI \"" + shorten(uri) + "\" is reserved (wamp.*)" : null;
    }

    /** A refusal of the core as ERROR with its WAMP URI. */
    private void refuse(int type, long request, Refusal r) {
        error(type, request, WampErrors.uri(r.code()), r.message(), r.code(), r.dataBytes());
    }

    private void error(int type, long request, String uri, String message, ErrorCode code) {
        error(type, request, uri, message, code, null);
    }

    /**
     * {@code [ERROR, type, request, {}, uri, [message], {"code": ferry.v1 code, "data": ...}]}; the keyword
     * arguments only when there is a ferry.v1 code.
     */
    private void error(int type, long request, String uri, String message, ErrorCode code, byte[] data) {
        ArrayNode e = WampCodec.array(WampMessage.ERROR).add(type).add(request).add(WampCodec.object()).add(uri);
        e.addArray().add(message);
        if (code != null) {
            ObjectNode kw = e.addObject();
            kw.put("code", code.wire());
            if (data != null) {
                kw.set("data", WampCodec.parseJson(data));
            }
        }
        send(e);
    }

    private void send(ArrayNode message) {
        out.send(Unpooled.wrappedBuffer(codec.encode(message)), codec.binary());
    }

    private static String shorten(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    // ------------------------------------------------------------ lifecycle

    @Override
    protected void closed() {
        state = State.CLOSED;
        if (connection != null) {
            connection.closed();
        }
        WampMeta meta = router.meta();
        for (long id : subscriptions.keySet()) {
            meta.subscriptions.leave(this, id, false);
        }
        for (long id : metaSubscriptions.keySet()) {
            meta.subscriptions.leave(this, id, true);
        }
        subscriptions.clear();
        subscribed = NO_SUBSCRIPTIONS;
        subscriptionsByPattern.clear();
        metaSubscriptions.clear();
        for (Map.Entry<Long, String> r : registrations.entrySet()) {
            server.sessions().rpc().unregister(r.getValue(), this);
            meta.registrations.leave(this, r.getKey(), false);
        }
        registrations.clear();
        registrationsByProc.clear();
        server.sessions().rpc().calleeGone(invocations);
        invocations.clear();
        server.sessions().rpc().callerGone(calls.values());
        calls.clear();
        if (sessionId != 0) {
            meta.left(sessionId);
        }
    }

    @Override
    protected dev.ferry.server.connection.Connection connection() {
        return connection;
    }
}
