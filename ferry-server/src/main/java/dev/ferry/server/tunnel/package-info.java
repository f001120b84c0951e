/**
 * Tunnels: a TCP byte stream carried in WebSocket binary messages. Two kinds of route share one {@link
 * dev.ferry.server.tunnel.Relay}: AMQP WebSocket Binding routes (configured paths, subprotocol {@code amqp}) and
 * generic TCP routes ({@code /v1/tunnel/<name>}), each to one configured upstream. {@link
 * dev.ferry.server.tunnel.TunnelUpgrade} answers the upgrade; {@link dev.ferry.server.tunnel.Tunnels} holds the
 * routes and their counters. The tunnel client ({@code ferry tunnel}) lives in {@code .client}.
 */
package dev.ferry.server.tunnel;
