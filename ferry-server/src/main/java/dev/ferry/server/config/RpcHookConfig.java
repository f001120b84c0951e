package dev.ferry.server.config;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * Procedures served by an HTTP backend ({@code hooks.rpc.<name>.*}, docs/hooks.md, "RPC served by HTTP"): a call of
 * a procedure its pattern matches is POSTed to {@code url}, and the backend's answer is the call's outcome.
 *
 * @param name the rule's name: letters, digits, {@code _}, {@code -}; the hook's name in the meters is
 *     {@code rpc.<name>}
 * @param pattern the procedures it serves (the topic wildcards: {@code *} one word, {@code #} the rest)
 * @param url where calls are POSTed ({@code http} or {@code https})
 * @param timeout longest wait for the backend's answer; a call's own shorter timeout wins (default 10s)
 * @param headers headers added to every request (a shared secret the backend checks, say)
 * @param maxConcurrency calls in flight to the backend at most; one more fails at once with {@code unavailable}
 *     (default 64)
 */
public record RpcHookConfig(String name, String pattern, URI url, Duration timeout, Map<String, String> headers,
                            int maxConcurrency) {
    public RpcHookConfig {
        String key = "hooks.rpc." + name;
        Checks.name(key, name);
        Checks.pattern(key + ".pattern", pattern);
        HookUrls.check(key + ".url", url);
        Checks.positive(key + ".timeout", timeout);
        headers = Map.copyOf(Checks.notNull(key + ".headers", headers));
        if (maxConcurrency <= 0) {
            throw new ConfigException(key + ".max-concurrency: " + maxConcurrency + " (expected: > 0)");
        }
    }
}
