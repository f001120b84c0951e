/**
 * The Java client for {@code ferry.v1} on the JDK's {@code java.net.http.WebSocket}: {@link dev.ferry.client.FerryClient}
 * (connect, publish, subscribe, call, register, automatic reconnect), the values it hands out
 * ({@link dev.ferry.client.Message}, {@link dev.ferry.client.Subscription}, {@link dev.ferry.client.Registration})
 * and {@link dev.ferry.client.FerryException}, which carries the wire error code. Implementation details live in
 * {@code dev.ferry.client.internal}.
 */
package dev.ferry.client;
