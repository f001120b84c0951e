/**
 * Implementation of the Java client, not a public API: {@link dev.ferry.client.internal.Connection} (one WebSocket:
 * message reassembly, inbound flow control, the chained and batched outbound queue),
 * {@link dev.ferry.client.internal.Backoff} (jittered exponential reconnect delays),
 * {@link dev.ferry.client.internal.ClosePolicy} and {@link dev.ferry.client.internal.Json} (payload conversion).
 */
package dev.ferry.client.internal;
