package dev.ferry.server.connection;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.Topics;
import dev.ferry.server.auth.AccessScope;
import dev.ferry.server.auth.Action;
import dev.ferry.server.auth.Decision;
import dev.ferry.server.auth.SecurityCounters;
import dev.ferry.server.auth.TokenBucket;
import dev.ferry.server.config.LimitsConfig;
import dev.ferry.server.events.EventClasses;
import dev.ferry.server.events.Violation;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The checks an operation of one connection passes before it reaches the hub or RPC routing, the same for every
 * transport (docs/security.md): the topic or procedure grammar, the permission of the connection's identity, a
 * publication's event class (docs/events.md), refusal once the server drains, the publish and call rates ({@code limits.publish-rate},
 * {@code limits.call-rate}, token buckets of this connection) and {@code websocket.max-subscriptions}. Each check
 * answers null (admitted) or the {@link Refusal} to report; denials and rate refusals are counted.
 *
 * <p>The rates are read at use from the limits in force: after a reload that changes them, a bucket takes the new
 * rate and burst keeping the tokens it holds (at most the new burst); one that was unlimited starts full.
 *
 * <p>One per connection (it holds the connection's rate buckets); event loop only.
 */
public final class Admission {
    private final int maxSubscriptions;
    private final BooleanSupplier draining;
    private final SecurityCounters counters;
    private final LongSupplier nanoTime;
    /** The limits in force (a reload may replace them). */
    private final java.util.function.Supplier<LimitsConfig> limits;
    /** The limits the buckets were last sized for. */
    private LimitsConfig sized;
    /** Null when unlimited. */
    private TokenBucket publishRate;
    private TokenBucket callRate;
    /** The server's current event classes (a reload may replace them). */
    private final java.util.function.Supplier<EventClasses> events;

    /**
     * @param draining whether new subscriptions, registrations and calls are refused ({@code shutting_down})
     * @param nanoTime the clock the rate buckets refill by
     */
    public Admission(LimitsConfig limits, int maxSubscriptions, BooleanSupplier draining, SecurityCounters counters,
                     LongSupplier nanoTime) {
        this(limits, maxSubscriptions, draining, counters, nanoTime, EventClasses.NONE);
    }

    /** @param events the declared event classes every publication is checked against */
    public Admission(LimitsConfig limits, int maxSubscriptions, BooleanSupplier draining, SecurityCounters counters,
                     LongSupplier nanoTime, EventClasses events) {
        this(limits, maxSubscriptions, draining, counters, nanoTime, () -> events);
    }

    /** @param events the event classes in force, read at each publication */
    public Admission(LimitsConfig limits, int maxSubscriptions, BooleanSupplier draining, SecurityCounters counters,
                     LongSupplier nanoTime, java.util.function.Supplier<EventClasses> events) {
        this(() -> limits, maxSubscriptions, draining, counters, nanoTime, events);
    }

    /** @param limits the limits in force, read at each publication and call */
    public Admission(java.util.function.Supplier<LimitsConfig> limits, int maxSubscriptions, BooleanSupplier draining,
                     SecurityCounters counters, LongSupplier nanoTime, java.util.function.Supplier<EventClasses> events) {
        this.limits = limits;
        this.events = events;
        this.maxSubscriptions = maxSubscriptions;
        this.draining = draining;
        this.counters = counters;
        this.nanoTime = nanoTime;
        resize(limits.get(), nanoTime.getAsLong());
    }

    /** Sizes the buckets for the limits in force when they are not the ones they were sized for. */
    private void resize() {
        LimitsConfig now = limits.get();
        if (now != sized) {
            resize(now, nanoTime.getAsLong());
        }
    }

    private void resize(LimitsConfig l, long now) {
        sized = l;
        publishRate = resized(publishRate, l.publishRate(), l.publishBurst(), now);
        callRate = resized(callRate, l.callRate(), l.callBurst(), now);
    }

    private static TokenBucket resized(TokenBucket b, int rate, int burst, long now) {
        if (rate <= 0) {
            return null;
        }
        if (b == null) {
            return new TokenBucket(rate, burst, now);
        }
        b.resize(rate, burst, now);
        return b;
    }

    /** {@code forbidden} (counted) when {@code scope} may not do {@code action} on {@code target}. */
    public Refusal permit(AccessScope scope, Action action, String target) {
        return permitted(counters, scope, action, target);
    }

    /**
     * The one permission check of every way in: {@code forbidden} (counted in {@code counters}) when {@code scope}
     * may not do {@code action} on {@code target}, else null. Connections check through their {@link #permit}; a
     * request without a connection (an HTTP API call, the upgrade of a per-topic socket or a tunnel) calls this,
     * and answers the refusal its own way.
     */
    public static Refusal permitted(SecurityCounters counters, AccessScope scope, Action action, String target) {
        Decision d = scope.check(action, target);
        if (d.allowed()) {
            return null;
        }
        counters.forbidden();
        return new Refusal(ErrorCode.FORBIDDEN, d.reason(), Payload.json(forbiddenData(action, target)));
    }

    /**
     * Whether something a connection holds (a subscription, a registration, presence events) stays allowed once its
     * identity changed to {@code scope}: null, or a {@code forbidden} refusal (counted) whose message is the reason
     * followed by {@code undone}, what the server undid (null: the reason alone).
     */
    public Refusal revoked(AccessScope scope, Action action, String target, String undone) {
        Decision d = scope.check(action, target);
        return d.allowed() ? null : forbidden(action, target, undone == null ? d.reason() : d.reason() + "; " + undone);
    }

    /** A {@code forbidden} refusal with {@code data: {"action","topic"}}, counted. */
    public Refusal forbidden(Action action, String target, String reason) {
        counters.forbidden();
        return new Refusal(ErrorCode.FORBIDDEN, reason, Payload.json(forbiddenData(action, target)));
    }

    /** Subscribing to {@code pattern}: its grammar, the {@code subscribe} permission, not while draining. */
    public Refusal subscribe(AccessScope scope, String pattern) {
        Refusal r = grammar(ErrorCode.BAD_TOPIC, Topics.checkPattern(pattern));
        if (r == null) {
            r = permit(scope, Action.SUBSCRIBE, pattern);
        }
        return r != null ? r : whileDraining();
    }

    /** One more subscription next to {@code held}: {@code too_many_subscriptions} beyond the limit. */
    public Refusal roomFor(int held) {
        if (held < maxSubscriptions) {
            return null;
        }
        return Refusal.of(ErrorCode.TOO_MANY_SUBSCRIPTIONS,
                "this connection already holds " + maxSubscriptions + " subscriptions (websocket.max-subscriptions)");
    }

    public int maxSubscriptions() {
        return maxSubscriptions;
    }

    /**
     * Publishing {@code data} with {@code tags} to {@code topic}: its grammar, the {@code publish} permission, one
     * token of the publish rate, then the topic's event class (last, as the costliest check: a client cannot make
     * the server check more payloads than its publish rate allows).
     */
    public Refusal publish(AccessScope scope, String topic, Payload data, Map<String, String> tags) {
        Refusal r = grammar(ErrorCode.BAD_TOPIC, Topics.checkTopic(topic));
        if (r == null) {
            r = permit(scope, Action.PUBLISH, topic);
        }
        if (r == null) {
            r = takePublish();
        }
        return r != null ? r : eventClass(events.get(), topic, data, tags);
    }

    /**
     * Whether a publication belongs to the event class of its topic in {@code events}: null, or {@code bad_tags}
     * for a missing required tag, {@code invalid_payload} with {@code data: {"class","topic","errors":[{"pointer",
     * "message"}]}} for a payload its schema rejects. The one check of every publish path (docs/events.md).
     */
    public static Refusal eventClass(EventClasses events, String topic, Payload data, Map<String, String> tags) {
        Violation v = events.check(topic, data, tags);
        if (v == null) {
            return null;
        }
        if (v.missingTag() != null) {
            return Refusal.of(ErrorCode.BAD_TAGS, v.message());
        }
        StringBuilder json = new StringBuilder(128).append("{\"class\":").append(quoted(v.eventClass()))
                .append(",\"topic\":").append(quoted(topic)).append(",\"errors\":[");
        for (int i = 0; i < v.problems().size(); i++) {
            Violation.Problem p = v.problems().get(i);
            json.append(i == 0 ? "" : ",").append("{\"pointer\":").append(quoted(p.pointer()))
                    .append(",\"message\":").append(quoted(p.message())).append('}');
        }
        json.append("]}");
        return new Refusal(ErrorCode.INVALID_PAYLOAD, v.message(),
                Payload.json(json.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private static String quoted(String s) {
        return new String(FrameCodec.quote(s), StandardCharsets.UTF_8);
    }

    /** One token of {@code limits.publish-rate}: {@code rate_limited} with {@code data: {"action":"publish"}}. */
    public Refusal takePublish() {
        resize();
        return take(publishRate, "publish", "limits.publish-rate");
    }

    /** Calling {@code proc}: its grammar, the {@code call} permission, not while draining, the call rate. */
    public Refusal call(AccessScope scope, String proc) {
        Refusal r = grammar(ErrorCode.BAD_PROCEDURE, Topics.checkProcedure(proc));
        if (r == null) {
            r = permit(scope, Action.CALL, proc);
        }
        if (r == null) {
            r = whileDraining();
        }
        if (r != null) {
            return r;
        }
        resize();
        return take(callRate, "call", "limits.call-rate");
    }

    /** Registering {@code proc}: its grammar, the {@code register} permission, not while draining. */
    public Refusal register(AccessScope scope, String proc) {
        Refusal r = grammar(ErrorCode.BAD_PROCEDURE, Topics.checkProcedure(proc));
        if (r == null) {
            r = permit(scope, Action.REGISTER, proc);
        }
        return r != null ? r : whileDraining();
    }

    /**
     * Registering the procedures a pattern matches (a WAMP prefix or wildcard registration): the pattern's grammar
     * (as a subscription pattern's), the {@code register} permission on the pattern, not while draining.
     */
    public Refusal registerPattern(AccessScope scope, String pattern) {
        Refusal r = grammar(ErrorCode.BAD_PROCEDURE, Topics.checkPattern(pattern));
        if (r == null) {
            r = permit(scope, Action.REGISTER, pattern);
        }
        return r != null ? r : whileDraining();
    }

    /** {@code shutting_down} once the server drains (new subscriptions, registrations and calls). */
    public Refusal whileDraining() {
        return draining.getAsBoolean() ? Refusal.of(ErrorCode.SHUTTING_DOWN, "the server is shutting down") : null;
    }

    /**
     * A {@code rate_limited} refusal for {@code action} ({@code message}, {@code publish}, {@code call}) beyond
     * {@code key}, counted.
     */
    public Refusal rateLimited(String action, String key) {
        counters.rateLimited();
        return new Refusal(ErrorCode.RATE_LIMITED, action + " rate exceeded (" + key + ")",
                Payload.json(("{\"action\":\"" + action + "\"}").getBytes(StandardCharsets.UTF_8)));
    }

    private Refusal take(TokenBucket bucket, String action, String key) {
        if (bucket == null || bucket.tryTake(nanoTime.getAsLong())) {
            return null;
        }
        return rateLimited(action, key);
    }

    private static Refusal grammar(ErrorCode code, String why) {
        return why == null ? null : Refusal.of(code, why);
    }

    /** {@code {"action": action, "topic": target}} as JSON bytes. */
    public static byte[] forbiddenData(Action action, String target) {
        return action.forbiddenData(target);
    }
}
