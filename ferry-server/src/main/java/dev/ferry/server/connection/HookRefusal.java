package dev.ferry.server.connection;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.Payload;
import dev.ferry.server.config.HooksConfig;
import dev.ferry.server.engine.Published;
import dev.ferry.server.events.EventClasses;
import dev.ferry.server.hooks.Hooks;
import dev.ferry.server.hooks.TopicVerdict;
import dev.ferry.server.hub.Hub;
import dev.ferry.server.auth.Identity;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * A subscription or publication that a backend hook refused, or whose hook gave no answer under
 * {@code failure-policy: refuse} (docs/hooks.md): the failure of the operation's future, carrying the
 * {@link Refusal} each transport reports ({@code subscribe_refused}, {@code publish_refused},
 * {@code hook_unavailable}).
 */
public final class HookRefusal extends RuntimeException {
    private final Refusal refusal;

    public HookRefusal(Refusal refusal) {
        super(refusal.message(), null, false, false);
        this.refusal = refusal;
    }

    public Refusal refusal() {
        return refusal;
    }

    /** The hook's refusal that {@code failure} is or wraps, or null. */
    public static Refusal in(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof HookRefusal h) {
                return h.refusal();
            }
            if (!(t instanceof CompletionException) && !(t instanceof java.util.concurrent.ExecutionException)) {
                return null;
            }
        }
        return null;
    }

    /**
     * What a subscribe or publish hook's verdict means for the operation: null to go ahead, or the refusal:
     * {@code refusedCode} with the application's reason and {@code data: {"code"}} for a refusal;
     * {@code hook_unavailable} for no answer when {@code rule}'s failure policy is {@code refuse}.
     */
    static Refusal of(HooksConfig.Rule rule, TopicVerdict v, ErrorCode refusedCode) {
        if (v.allowed()) {
            return null;
        }
        if (v.refusal() != null) {
            byte[] data = ("{\"code\":" + new String(FrameCodec.quote(v.refusal().code()), StandardCharsets.UTF_8) + "}")
                    .getBytes(StandardCharsets.UTF_8);
            return new Refusal(refusedCode, v.refusal().reason(), Payload.json(data));
        }
        if (rule.endpoint().failurePolicy() == HooksConfig.FailurePolicy.ALLOW) {
            return null;
        }
        return Refusal.of(ErrorCode.HOOK_UNAVAILABLE, "the application did not answer the " + rule.endpoint().name()
                + " hook: " + v.failure());
    }

    /**
     * Publishes {@code data} to {@code topic} once the publish hook of the topic (if any) allows it, with the
     * payload it gives instead (checked again against the topic's event class); the future fails with a
     * {@link HookRefusal} when the hook refuses. Without a hook for the topic, publishes at once. The hub is asked
     * on {@code loop}. The one publish hook of every way in (docs/hooks.md, "publish").
     */
    public static CompletionStage<Published> publish(Hooks hooks, EventClasses events, Hub hub, Executor loop,
                                                     String clientId, String transport, Identity who, String topic,
                                                     Payload data, Map<String, String> tags, String pubId) {
        HooksConfig.Rule rule = hooks.publishRule(topic);
        if (rule == null) {
            return hub.publish(topic, data, tags, pubId);
        }
        return publish(rule, hooks, events, hub, loop, clientId, transport, who, topic, data, tags, pubId,
                CompletableFuture.completedFuture(null), new CompletableFuture<>());
    }

    /**
     * As {@link #publish(Hooks, EventClasses, Hub, Executor, String, String, Identity, String, Payload, Map, String)}
     * for the publications of one connection, in the order they were sent: {@code rule} (null: the topic has no
     * hook) is asked at once, but the hub is asked only after {@code previous} completes (the previous
     * publication of the connection was handed to the hub or refused); {@code handed} completes, on {@code loop},
     * once this one is handed to the hub or refused.
     */
    static CompletionStage<Published> publish(HooksConfig.Rule rule, Hooks hooks, EventClasses events, Hub hub,
                                              Executor loop, String clientId, String transport, Identity who,
                                              String topic, Payload data, Map<String, String> tags, String pubId,
                                              CompletionStage<?> previous, CompletableFuture<Void> handed) {
        CompletionStage<TopicVerdict> verdict = rule == null ? CompletableFuture.completedFuture(null)
                : hooks.publish(rule, clientId, transport, who, topic, data, tags);
        return verdict.thenCombine(previous, (v, ignored) -> v).thenComposeAsync(v -> {
            try {
                Refusal r = v == null ? null : of(rule, v, ErrorCode.PUBLISH_REFUSED);
                Payload publish = v != null && v.replacement() != null ? v.replacement() : data;
                if (r == null && v != null && v.replacement() != null) {
                    r = Admission.eventClass(events, topic, publish, tags);
                }
                if (r != null) {
                    return CompletableFuture.<Published>failedFuture(new HookRefusal(r));
                }
                return hub.publish(topic, publish, tags, pubId);
            } finally {
                handed.complete(null);
            }
        }, loop).whenComplete((p, t) -> {
            if (!handed.isDone()) { // the hook's call itself failed: hand on, on the loop
                loop.execute(() -> handed.complete(null));
            }
        });
    }
}
