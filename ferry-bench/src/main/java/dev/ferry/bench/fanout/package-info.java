/**
 * The fan-out load generator: one paced publisher, N subscriber WebSocket connections (Netty clients), latency
 * from the publication's intended send time to its arrival at each subscriber, recorded in HdrHistogram.
 *
 * <p>Everything here talks to loopback addresses only.
 */
package dev.ferry.bench.fanout;
