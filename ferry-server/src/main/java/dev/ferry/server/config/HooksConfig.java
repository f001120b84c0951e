package dev.ferry.server.config;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Backend hooks (docs/hooks.md): the application's HTTP endpoints that Ferry asks about connections,
 * subscriptions and publications.
 *
 * @param connect the connect hook ({@code hooks.connect.*}); null: none
 * @param forwardHeaders headers of the client's opening request sent to the connect and refresh hooks
 *     (default {@code Cookie}, {@code Authorization})
 * @param refresh the refresh hook ({@code hooks.refresh.*}); null: an identity from the connect hook that
 *     expires closes its connection
 * @param refreshRetry with {@code hooks.refresh.failure-policy: allow}, how long a connection keeps its identity
 *     after a refresh that got no answer before the next try
 * @param subscribe the subscribe hooks, in name order; the first whose pattern matches decides
 * @param publish the publish hooks, in name order; the first whose pattern matches decides
 * @param breakerFailures consecutive failures that open a hook's circuit breaker
 * @param breakerCoolDown how long an open breaker refuses calls before a trial call
 * @param maxResponseBytes the largest answer a backend may give
 * @param rpc procedures served by HTTP backends ({@code hooks.rpc.<name>}), in name order (default: none)
 * @param events events out ({@code hooks.events.*}; default: none sent)
 */
public record HooksConfig(Endpoint connect, List<String> forwardHeaders, Endpoint refresh, Duration refreshRetry,
                          List<Rule> subscribe, List<Rule> publish, int breakerFailures, Duration breakerCoolDown,
                          int maxResponseBytes, List<RpcHookConfig> rpc, EventsOutConfig events) {
    public static final HooksConfig DEFAULT = new HooksConfig(null, List.of("Cookie", "Authorization"), null,
            Duration.ofSeconds(30), List.of(), List.of(), 5, Duration.ofSeconds(10), 64 * 1024, List.of(),
            EventsOutConfig.DEFAULT);

    /** What a hook does when its backend gives no answer (down, too slow, overloaded, breaker open). */
    public enum FailurePolicy {
        /** The connection, subscription or publication is refused. */
        REFUSE,
        /** It goes ahead as if there were no hook. */
        ALLOW;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static FailurePolicy parse(String key, String value) {
            for (FailurePolicy p : values()) {
                if (p.wire().equals(value.trim().toLowerCase(Locale.ROOT))) {
                    return p;
                }
            }
            throw new ConfigException(key + ": \"" + value + "\" (expected: refuse or allow)");
        }
    }

    /**
     * One backend endpoint of a hook.
     *
     * @param key the configuration prefix, e.g. {@code hooks.connect} or {@code hooks.subscribe.chat}; also the
     *     hook's name in metrics, without {@code hooks.}
     * @param url where the hook POSTs (http or https)
     * @param timeout how long to wait for the whole answer
     * @param headers headers added to every request, by name
     * @param failurePolicy what happens when the backend gives no answer
     * @param maxConcurrency calls in flight at most; one more fails at once as if the backend were down
     */
    public record Endpoint(String key, URI url, Duration timeout, Map<String, String> headers,
                           FailurePolicy failurePolicy, int maxConcurrency) {
        public Endpoint {
            Checks.notNull(key + ".url", url);
            if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null) {
                throw new ConfigException(key + ".url: \"" + url + "\" (expected: an http:// or https:// URL)");
            }
            Checks.positive(key + ".timeout", timeout);
            headers = Map.copyOf(Checks.notNull(key + ".headers", headers));
            Checks.notNull(key + ".failure-policy", failurePolicy);
            if (maxConcurrency <= 0) {
                throw new ConfigException(key + ".max-concurrency: " + maxConcurrency + " (expected: > 0)");
            }
        }

        /** The hook's name in metrics and logs: the key without {@code hooks.}. */
        public String name() {
            return key.startsWith("hooks.") ? key.substring("hooks.".length()) : key;
        }

        /** {@code Name: value} lines as a map; a line without a colon is a {@link ConfigException}. */
        public static Map<String, String> headers(String key, List<String> lines) {
            Map<String, String> out = new LinkedHashMap<>();
            int entry = 0;
            for (String line : lines == null ? List.<String>of() : lines) {
                entry++;
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    // the entry is not shown: it may hold a secret
                    throw new ConfigException(key + ": entry " + entry + " (expected: Name: value)");
                }
                out.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
            return out;
        }
    }

    /**
     * A subscribe or publish hook for the topics of {@code pattern}.
     *
     * @param name the rule's name (letters, digits, {@code _}, {@code -})
     * @param pattern the topics it applies to
     */
    public record Rule(String name, String pattern, Endpoint endpoint) {
        public Rule {
            Checks.name(endpoint.key(), name);
            Checks.pattern(endpoint.key() + ".pattern", pattern);
        }
    }

    public HooksConfig {
        forwardHeaders = List.copyOf(Checks.notNull("hooks.connect.forward-headers", forwardHeaders));
        Checks.positive("hooks.refresh.retry", refreshRetry);
        subscribe = List.copyOf(Checks.notNull("hooks.subscribe", subscribe));
        publish = List.copyOf(Checks.notNull("hooks.publish", publish));
        if (breakerFailures <= 0) {
            throw new ConfigException("hooks.breaker.failures: " + breakerFailures + " (expected: > 0)");
        }
        Checks.positive("hooks.breaker.cool-down", breakerCoolDown);
        if (maxResponseBytes <= 0) {
            throw new ConfigException("hooks.max-response-bytes: " + maxResponseBytes + " (expected: > 0)");
        }
        rpc = List.copyOf(Checks.notNull("hooks.rpc", rpc));
        java.util.Set<String> names = new java.util.HashSet<>();
        for (RpcHookConfig r : rpc) {
            if (!names.add(r.name())) {
                throw new ConfigException("hooks.rpc." + r.name() + ": declared twice");
            }
        }
        Checks.notNull("hooks.events", events);
    }

    /** A copy with the procedures served over HTTP replaced. */
    public HooksConfig withRpc(List<RpcHookConfig> x) {
        return new HooksConfig(connect, forwardHeaders, refresh, refreshRetry, subscribe, publish, breakerFailures,
                breakerCoolDown, maxResponseBytes, x, events);
    }

    /** A copy with events out replaced. */
    public HooksConfig withEvents(EventsOutConfig x) {
        return new HooksConfig(connect, forwardHeaders, refresh, refreshRetry, subscribe, publish, breakerFailures,
                breakerCoolDown, maxResponseBytes, rpc, x);
    }

    /** Whether any hook is configured. */
    public boolean any() {
        return connect != null || refresh != null || !subscribe.isEmpty() || !publish.isEmpty();
    }
}
