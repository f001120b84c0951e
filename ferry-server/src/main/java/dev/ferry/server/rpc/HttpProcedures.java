package dev.ferry.server.rpc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.Topics;
import dev.ferry.server.auth.Identity;
import dev.ferry.server.config.RpcHookConfig;
import dev.ferry.server.engine.ProcedureStats;
import dev.ferry.server.hooks.BackendClient;
import dev.ferry.server.hooks.BackendException;
import dev.ferry.server.hooks.BackendResponse;
import dev.ferry.server.hooks.HookOutcome;
import dev.ferry.server.time.ServerClock;
import io.netty.util.concurrent.EventExecutor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionException;

/**
 * Procedures served by HTTP backends ({@code hooks.rpc.<name>}, docs/hooks.md, "RPC served by HTTP"). A call of a
 * procedure a rule's pattern matches (the first rule in name order) is POSTed to the rule's URL through the shared
 * {@link BackendClient}; the backend's answer settles the call through {@link Rpc} like a callee's reply, so the
 * call's timeout, cancel and caller hand-back are the same as for a connection's registration. A rule serves its
 * procedures on every node configured with it, and a client may not register them ({@code procedure_exists}).
 *
 * <p>Thread-safe. Answers arrive on the HTTP client's threads; {@link Rpc} hands each outcome to its caller's loop.
 */
public final class HttpProcedures {
    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** One rule with its call count. */
    static final class Rule {
        final RpcHookConfig config;
        final String hook;
        final CallRate rate;

        Rule(RpcHookConfig config, ServerClock clock) {
            this.config = config;
            this.hook = "rpc." + config.name();
            this.rate = new CallRate(clock);
        }
    }

    private final List<Rule> rules;
    private final BackendClient client;

    /** The procedures of {@code rules} (in name order), called through {@code client}; counts on {@code clock}. */
    public HttpProcedures(List<RpcHookConfig> rules, BackendClient client, ServerClock clock) {
        this(rules, client, clock, null);
    }

    /**
     * As above, for a reload: a rule of {@code previous} (null: none) that {@code rules} holds unchanged keeps its
     * call rate; the backend breaker and bound of one changed or removed are forgotten.
     */
    public HttpProcedures(List<RpcHookConfig> rules, BackendClient client, ServerClock clock, HttpProcedures previous) {
        java.util.Map<RpcHookConfig, Rule> kept = new java.util.HashMap<>();
        if (previous != null) {
            previous.rules.forEach(r -> kept.put(r.config, r));
        }
        List<Rule> r = new ArrayList<>();
        for (RpcHookConfig c : rules) {
            Rule same = kept.remove(c);
            r.add(same != null ? same : new Rule(c, clock));
        }
        kept.values().forEach(gone -> client.forget(gone.hook));
        this.rules = List.copyOf(r);
        this.client = client;
    }

    /** The rule serving {@code proc}: the first whose pattern matches it, or null. */
    Rule match(String proc) {
        for (Rule r : rules) {
            if (Topics.matches(r.config.pattern(), proc)) {
                return r;
            }
        }
        return null;
    }

    /** The name of the rule serving {@code proc}, or null when none does. */
    public String servedBy(String proc) {
        Rule r = match(proc);
        return r == null ? null : r.config.name();
    }

    /** What a procedure listing shows of each rule: its pattern as {@code proc}, one callee, {@code single}. */
    List<Listed> listed() {
        List<Listed> out = new ArrayList<>(rules.size());
        for (Rule r : rules) {
            out.add(new Listed(r.config.name(), new ProcedureStats(r.config.pattern(), 1, dev.ferry.protocol.InvokePolicy.SINGLE,
                    r.rate.total(), r.rate.perSecond())));
        }
        return out;
    }

    /** A rule in a listing: its name and its pattern's figures. */
    record Listed(String hook, ProcedureStats stats) {
    }

    /** The callee of one call of {@code proc} that {@code rule} serves, answering on {@code caller}'s loop. */
    Callee callee(Rpc rpc, Rule rule, Caller caller) {
        rule.rate.add();
        return new Call(rpc, rule, caller);
    }

    /**
     * One call as the backend sees it. It is its own {@link Callee}, so that {@link Rpc#reply} takes the backend's
     * answer for this call only.
     */
    private final class Call implements Callee {
        private final Rpc rpc;
        private final Rule rule;
        private final Caller caller;

        Call(Rpc rpc, Rule rule, Caller caller) {
            this.rpc = rpc;
            this.rule = rule;
            this.caller = caller;
        }

        @Override
        public EventExecutor executor() {
            return caller.executor();
        }

        @Override
        public void invoke(Invocation invocation) {
            byte[] body = requestBody(invocation, caller.origin());
            Duration wait = rule.config.timeout();
            if (invocation.timeoutMs() > 0 && invocation.timeoutMs() < wait.toMillis()) {
                wait = Duration.ofMillis(invocation.timeoutMs());
            }
            long id = invocation.id();
            long waitMs = wait.toMillis();
            client.post(rule.hook, rule.config.url(), body, rule.config.headers(), wait, rule.config.maxConcurrency())
                    .whenComplete((response, failure) -> {
                        if (failure == null) {
                            answered(id, response);
                        } else {
                            failed(id, failure, waitMs);
                        }
                    });
        }

        /**
         * Nothing to tell the backend: a canceled or timed-out call's answer is dropped by {@link Rpc} (the request
         * still holds its place under {@code max-concurrency} until it ends or times out).
         */
        @Override
        public void interrupt(long invocationId, dev.ferry.protocol.CancelMode mode, String reason) {
        }

        private void answered(long id, BackendResponse response) {
            if (!response.ok()) {
                rpc.reply(this, id, null, new Frame.ErrorBody("ferry.hook.http_error", "the backend of " + rule.hook
                        + " answered " + response.status(), Payload.json("{\"status\":" + response.status() + "}")));
                return;
            }
            JsonNode answer;
            try {
                answer = MAPPER.readTree(response.body());
            } catch (IOException e) {
                answer = null;
            }
            JsonNode error = answer == null ? null : answer.get("error");
            if (error != null && error.isObject() && error.path("code").isTextual()) {
                JsonNode data = error.get("data");
                rpc.reply(this, id, null, new Frame.ErrorBody(error.get("code").asText(),
                        error.path("message").asText(""), data == null ? null : Payload.json(json(data))));
            } else if (answer != null && answer.isObject() && answer.has("result")) {
                rpc.reply(this, id, Payload.json(json(answer.get("result"))), null);
            } else {
                rpc.reply(this, id, null, new Frame.ErrorBody("ferry.hook.bad_answer", "the backend of " + rule.hook
                        + " answered neither {\"result\": ...} nor {\"error\": {\"code\": ...}}", null));
            }
        }

        private void failed(long id, Throwable failure, long waitMs) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            HookOutcome outcome = cause instanceof BackendException b ? b.outcome() : HookOutcome.UNREACHABLE;
            if (outcome == HookOutcome.TIMEOUT) {
                rpc.fail(this, id, ErrorCode.CALL_TIMEOUT, "the backend of " + rule.hook + " did not answer within "
                        + waitMs + " ms", null);
                return;
            }
            String reason = outcome.tag();
            String message = switch (outcome) {
                case OVERLOADED -> "the backend of " + rule.hook + " already has " + rule.config.maxConcurrency()
                        + " calls in flight (hooks.rpc." + rule.config.name() + ".max-concurrency)";
                case CIRCUIT_OPEN -> "the backend of " + rule.hook + " is failing: its circuit breaker is open";
                default -> "the backend of " + rule.hook + " cannot be reached"
                        + (cause instanceof BackendException ? " (" + cause.getMessage() + ")" : "");
            };
            rpc.fail(this, id, ErrorCode.UNAVAILABLE, message,
                    Payload.json("{\"reason\":\"" + reason.toLowerCase(Locale.ROOT) + "\"}"));
        }
    }

    private static byte[] json(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The request's body (docs/hooks.md): {@code {"procedure", "args" | "args_base64", "call_id", "timeout_ms",
     * "caller": {"transport", "connection", "user", "auth", "claims"}}}.
     */
    static byte[] requestBody(Invocation invocation, CallOrigin origin) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128 + invocation.args().length());
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.setCodec(MAPPER);
            g.writeStartObject();
            g.writeStringField("procedure", invocation.proc());
            Payload args = invocation.args();
            if (args.isBinary()) {
                g.writeStringField("args_base64", java.util.Base64.getEncoder().encodeToString(args.bytes()));
            } else {
                g.writeFieldName("args");
                g.writeRawValue(new String(args.bytes(), StandardCharsets.UTF_8));
            }
            g.writeNumberField("call_id", invocation.id());
            g.writeNumberField("timeout_ms", invocation.timeoutMs());
            g.writeObjectFieldStart("caller");
            g.writeStringField("transport", origin.transport());
            g.writeStringField("connection", origin.connection());
            Identity who = origin.identity();
            g.writeStringField("user", who.kind() == Identity.Kind.ANONYMOUS ? null : who.name());
            g.writeStringField("auth", who.kind().name().toLowerCase(Locale.ROOT));
            g.writeObjectField("claims", who.claims());
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
