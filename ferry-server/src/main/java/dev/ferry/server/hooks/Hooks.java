package dev.ferry.server.hooks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.Topics;
import dev.ferry.server.auth.Grants;
import dev.ferry.server.auth.TopicPatterns;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.config.HooksConfig;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The backend hooks of one server (docs/hooks.md) over its one {@link BackendClient}: builds each hook's request
 * body, reads its answer and turns a missing answer into the hook's failure policy's verdict. Thread-safe; every
 * future completes off the event loop (see {@link BackendClient#post}).
 */
public final class Hooks {
    /** Issuer of the identities the connect and refresh hooks give. */
    public static final String ISSUER = "hooks.connect";
    /** The claim holding the server-side subscriptions a connect answer asks for. */
    private static final String SUBS_CLAIM = "ferry.subs";
    /** The claim holding the connect answer's {@code info} (its compact JSON text): the default presence info. */
    public static final String INFO_CLAIM = "ferry.info";
    private static final int MAX_SUBS = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Headers the HTTP client sets itself: forwarded only in the request body. */
    private static final java.util.Set<String> RESTRICTED =
            java.util.Set.of("connection", "content-length", "expect", "host", "upgrade", "content-type");

    /**
     * The hooks in force; a reload swaps it whole ({@link #reload}). Each call reads it once: a call made before a
     * reload goes to the endpoint it was made for.
     */
    private volatile HooksConfig config;
    private final BackendClient client;

    public Hooks(HooksConfig config, BackendClient client) {
        this.config = config;
        this.client = client;
    }

    /**
     * A reload (docs/operations.md, "Reloading the configuration"): the calls made from now on go to {@code next}'s
     * hooks; a hook whose endpoint changed or went starts with a fresh breaker and bound (calls in flight finish
     * as they were sent), an unchanged one keeps its breaker. Needs the client this was made with.
     */
    public void reload(HooksConfig next) {
        HooksConfig before = config;
        if (client == null) {
            throw new IllegalStateException("hooks made without a backend client cannot reload");
        }
        client.settings(next.breakerFailures(), next.breakerCoolDown(), next.maxResponseBytes());
        Map<String, HooksConfig.Endpoint> old = endpoints(before);
        Map<String, HooksConfig.Endpoint> now = endpoints(next);
        config = next;
        old.forEach((name, e) -> {
            if (!e.equals(now.get(name))) {
                client.forget(name);
            }
        });
    }

    /** The endpoints of {@code c}'s connect, refresh, subscribe and publish hooks by hook name. */
    private static Map<String, HooksConfig.Endpoint> endpoints(HooksConfig c) {
        Map<String, HooksConfig.Endpoint> out = new HashMap<>();
        if (c.connect() != null) {
            out.put(c.connect().name(), c.connect());
        }
        if (c.refresh() != null) {
            out.put(c.refresh().name(), c.refresh());
        }
        c.subscribe().forEach(r -> out.put(r.endpoint().name(), r.endpoint()));
        c.publish().forEach(r -> out.put(r.endpoint().name(), r.endpoint()));
        return out;
    }

    /** No hook: every check passes without a call. */
    public static Hooks none() {
        return new Hooks(HooksConfig.DEFAULT, null);
    }

    public HooksConfig config() {
        return config;
    }

    /** The shared client (null when no hook is configured and none was given). */
    public BackendClient client() {
        return client;
    }

    /** Whether new connections go through the connect hook. */
    public boolean connectConfigured() {
        return config.connect() != null;
    }

    /** Whether an expiring identity of the connect hook is refreshed through the refresh hook. */
    public boolean refreshConfigured() {
        return config.refresh() != null;
    }

    /**
     * Asks the connect hook about a new connection. The request body is {@code {"transport","path","remote_addr",
     * "headers":{...},"token"?}}; see {@link #verdict} for the answer.
     */
    public CompletableFuture<ConnectVerdict> connect(ConnectRequest r) {
        HooksConfig.Endpoint hook = config.connect();
        if (hook == null) {
            return CompletableFuture.completedFuture(ConnectVerdict.failed("the connect hook was removed by a reload"));
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("transport", r.transport());
        body.put("path", r.path());
        body.put("remote_addr", r.remoteAddr());
        ObjectNode headers = body.putObject("headers");
        r.headers().forEach(headers::put);
        if (r.token() != null) {
            body.put("token", r.token());
        }
        return ask(hook, body, r.headers());
    }

    /**
     * Asks the refresh hook to extend {@code identity}, which the connect hook gave to connection {@code client}
     * over {@code transport}: {@code {"client","transport","user","headers":{...}}}; the answer reads as connect's.
     */
    public CompletableFuture<ConnectVerdict> refresh(String clientId, String transport, Identity identity,
                                                     Map<String, String> forwarded) {
        HooksConfig.Endpoint hook = config.refresh();
        if (hook == null) {
            return CompletableFuture.completedFuture(ConnectVerdict.failed("the refresh hook was removed by a reload"));
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("client", clientId);
        body.put("transport", transport);
        body.put("user", identity.name() == null ? "" : identity.name());
        ObjectNode headers = body.putObject("headers");
        forwarded.forEach(headers::put);
        return ask(hook, body, forwarded);
    }

    private CompletableFuture<ConnectVerdict> ask(HooksConfig.Endpoint e, ObjectNode body, Map<String, String> fwd) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException ex) {
            return CompletableFuture.completedFuture(ConnectVerdict.failed("request not encodable: " + ex.getMessage()));
        }
        Map<String, String> headers = new HashMap<>();
        fwd.forEach((name, value) -> {
            if (!RESTRICTED.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                headers.put(name, value);
            }
        });
        headers.putAll(e.headers());
        return client.post(e.name(), e.url(), bytes, headers, e.timeout(), e.maxConcurrency())
                .handle((response, failure) -> {
                    if (failure != null) {
                        Throwable c = failure.getCause() != null && !(failure instanceof BackendException)
                                ? failure.getCause() : failure;
                        return ConnectVerdict.failed(c.getMessage());
                    }
                    if (!response.ok()) {
                        return ConnectVerdict.failed(e.name() + " hook answered HTTP " + response.status());
                    }
                    return verdict(response.body());
                });
    }

    /**
     * Reads a connect or refresh answer: {@code {"user": "alice", "grants": {"subscribe": ["chat.#"]}, "claims":
     * {...}, "subs": ["user.alice"], "expire_at": 1767225600}} allows (every member but {@code user} optional; an
     * empty or missing {@code user} is an anonymous connection), {@code {"refuse": {"code": "...", "reason":
     * "..."}}} refuses; anything else is no usable answer.
     */
    public static ConnectVerdict verdict(byte[] body) {
        JsonNode answer;
        try {
            answer = JSON.readTree(body);
        } catch (java.io.IOException e) {
            return ConnectVerdict.failed("answer is not JSON: " + e.getMessage());
        }
        if (answer == null || !answer.isObject()) {
            return ConnectVerdict.failed("answer is not a JSON object");
        }
        JsonNode refuse = answer.get("refuse");
        if (refuse != null && !refuse.isNull()) {
            String code = refuse.path("code").asText("refused");
            String reason = refuse.path("reason").asText("refused by the application");
            return ConnectVerdict.refused(code.isEmpty() ? "refused" : code, reason);
        }
        String user = answer.path("user").asText("");
        Map<String, Object> claims = new HashMap<>();
        JsonNode c = answer.get("claims");
        if (c != null && c.isObject()) {
            claims.putAll(JSON.convertValue(c, Map.class));
        }
        JsonNode subs = answer.get("subs");
        if (subs != null && !subs.isNull()) {
            if (!subs.isArray() || subs.size() > MAX_SUBS) {
                return ConnectVerdict.failed("\"subs\" must be an array of at most " + MAX_SUBS + " patterns");
            }
            claims.put(SUBS_CLAIM, JSON.convertValue(subs, List.class));
        }
        JsonNode info = answer.get("info");
        if (info != null && !info.isNull()) {
            if (!info.isObject()) {
                return ConnectVerdict.failed("\"info\" must be a JSON object");
            }
            claims.put(INFO_CLAIM, info.toString());
        }
        Grants grants = null;
        JsonNode g = answer.get("grants");
        if (g != null && !g.isNull()) {
            try {
                grants = Grants.fromClaim(JSON.convertValue(g, Object.class));
            } catch (IllegalArgumentException e) {
                return ConnectVerdict.failed("\"grants\": " + e.getMessage());
            }
        }
        Instant expires = null;
        JsonNode exp = answer.get("expire_at");
        if (exp != null && !exp.isNull()) {
            if (!exp.canConvertToLong()) {
                return ConnectVerdict.failed("\"expire_at\" must be seconds since the epoch");
            }
            expires = Instant.ofEpochSecond(exp.asLong());
        }
        if (user.isEmpty()) {
            return ConnectVerdict.allowed(new Identity(Identity.Kind.ANONYMOUS, null, null, claims, expires, grants));
        }
        claims.put("sub", user);
        return ConnectVerdict.allowed(new Identity(Identity.Kind.TOKEN, user, ISSUER, claims, expires, grants));
    }

    /**
     * The subscribe hook that decides subscriptions to {@code pattern}: the first in name order whose pattern covers
     * it or is covered by it (so that {@code #} cannot pass a hook on {@code room.*}); null: none.
     */
    public HooksConfig.Rule subscribeRule(String pattern) {
        for (HooksConfig.Rule r : config.subscribe()) {
            if (TopicPatterns.covers(r.pattern(), pattern) || TopicPatterns.covers(pattern, r.pattern())) {
                return r;
            }
        }
        return null;
    }

    /** The publish hook that decides publications to {@code topic}: the first in name order matching it; null: none. */
    public HooksConfig.Rule publishRule(String topic) {
        for (HooksConfig.Rule r : config.publish()) {
            if (Topics.matches(r.pattern(), topic)) {
                return r;
            }
        }
        return null;
    }

    /**
     * Asks {@code rule}'s subscribe hook: {@code {"client","transport","user","topic"}} ({@code user} empty for
     * an anonymous client). The answer {@code {}} allows, {@code {"refuse":{"code","reason"}}} refuses.
     */
    public CompletableFuture<TopicVerdict> subscribe(HooksConfig.Rule rule, String clientId, String transport,
                                                     Identity who, String pattern) {
        ObjectNode body = JSON.createObjectNode();
        body.put("client", clientId);
        body.put("transport", transport);
        body.put("user", who.name() == null ? "" : who.name());
        body.put("topic", pattern);
        return askTopic(rule.endpoint(), body, false);
    }

    /**
     * Asks {@code rule}'s publish hook: {@code {"client","transport","user","topic","data"|"data_b64","tags"}}.
     * The answer {@code {}} allows, {@code {"data": ...}} allows with that JSON as the payload instead,
     * {@code {"refuse":{"code","reason"}}} refuses.
     */
    public CompletableFuture<TopicVerdict> publish(HooksConfig.Rule rule, String clientId, String transport,
                                                   Identity who, String topic, Payload data, Map<String, String> tags) {
        ObjectNode body = JSON.createObjectNode();
        body.put("client", clientId);
        body.put("transport", transport);
        body.put("user", who == null || who.name() == null ? "" : who.name());
        body.put("topic", topic);
        if (data.isBinary()) {
            body.put("data_b64", java.util.Base64.getEncoder().encodeToString(data.bytes()));
        } else {
            try {
                body.set("data", JSON.readTree(data.bytes()));
            } catch (java.io.IOException e) {
                return CompletableFuture.completedFuture(TopicVerdict.failed("payload is not JSON"));
            }
        }
        ObjectNode t = body.putObject("tags");
        tags.forEach(t::put);
        return askTopic(rule.endpoint(), body, true);
    }

    private CompletableFuture<TopicVerdict> askTopic(HooksConfig.Endpoint e, ObjectNode body, boolean mayReplace) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException ex) {
            return CompletableFuture.completedFuture(TopicVerdict.failed("request not encodable: " + ex.getMessage()));
        }
        return client.post(e.name(), e.url(), bytes, e.headers(), e.timeout(), e.maxConcurrency())
                .handle((response, failure) -> {
                    if (failure != null) {
                        return TopicVerdict.failed(failure.getMessage());
                    }
                    if (!response.ok()) {
                        return TopicVerdict.failed(e.name() + " hook answered HTTP " + response.status());
                    }
                    JsonNode answer;
                    try {
                        answer = JSON.readTree(response.body());
                    } catch (java.io.IOException ex) {
                        return TopicVerdict.failed("answer is not JSON");
                    }
                    if (answer == null || !answer.isObject()) {
                        return TopicVerdict.failed("answer is not a JSON object");
                    }
                    JsonNode refuse = answer.get("refuse");
                    if (refuse != null && !refuse.isNull()) {
                        String code = refuse.path("code").asText("refused");
                        return TopicVerdict.refused(code.isEmpty() ? "refused" : code,
                                refuse.path("reason").asText("refused by the application"));
                    }
                    JsonNode data = answer.get("data");
                    if (mayReplace && data != null) {
                        try {
                            return TopicVerdict.allow(Payload.json(JSON.writeValueAsBytes(data)));
                        } catch (JsonProcessingException ex) {
                            return TopicVerdict.failed("\"data\" not encodable");
                        }
                    }
                    return TopicVerdict.allow(null);
                });
    }

    /** The UTF-8 text of {@code bytes}, for messages. */
    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
