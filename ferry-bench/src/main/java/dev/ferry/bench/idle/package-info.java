/**
 * Measurements of one Ferry server running in another process: {@code idle} (memory per idle ferry.v1
 * connection, read from the server's {@code /proc} entry and {@code jcmd}) and {@code rpc} (call latency through
 * Ferry against a raw Netty WebSocket echo).
 *
 * <p>Everything here talks to loopback addresses only.
 */
package dev.ferry.bench.idle;
