/**
 * The server's time: {@link dev.ferry.server.time.ServerClock}, the one source of wall-clock time, monotonic time
 * and timers for everything that waits on time (session and token expiry, history ttl, RPC call timeouts,
 * heartbeats, ...). {@code FerryServer.builder().clock(...)} sets it, so that tests advance time instead of
 * sleeping. This package depends on nothing else of the server.
 */
package dev.ferry.server.time;
