/**
 * Backend hooks (docs/hooks.md): the HTTP client every hook shares ({@link dev.ferry.server.hooks.BackendClient}:
 * non-blocking, connection reuse, bounded concurrency and a circuit breaker per hook, a timeout per call, meters)
 * and the hooks that ask the application behind Ferry about connections, subscriptions and publications. It knows
 * the configuration, the clock and the protocol's payloads, nothing of connections, transports or the hub; its
 * futures complete on the client's threads, never on an event loop, so callers hop back to their loop.
 */
package dev.ferry.server.hooks;
