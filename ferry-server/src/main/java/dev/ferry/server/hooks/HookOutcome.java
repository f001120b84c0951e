package dev.ferry.server.hooks;

import java.util.Locale;

/**
 * How a call to a backend ended: the {@code outcome} tag of {@code ferry_hook_requests_total} (docs/hooks.md,
 * "Metrics"). A call that ends with anything but {@link #OK} or {@link #HTTP_ERROR} completes its future with a
 * {@link BackendException} carrying the outcome.
 */
public enum HookOutcome {
    /** The backend answered with a 2xx status. */
    OK,
    /** The backend answered with another status; a 5xx counts as a failure for the breaker, a 4xx does not. */
    HTTP_ERROR,
    /** No answer within the hook's timeout; a failure for the breaker. */
    TIMEOUT,
    /** The connection could not be made or broke (refused, reset, unknown host); a failure for the breaker. */
    UNREACHABLE,
    /** Refused without a request: the hook already had {@code max-concurrency} calls in flight. */
    OVERLOADED,
    /** Refused without a request: the hook's circuit breaker is open. */
    CIRCUIT_OPEN;

    /** The metric tag: {@code ok}, {@code http_error}, {@code timeout}, ... */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
