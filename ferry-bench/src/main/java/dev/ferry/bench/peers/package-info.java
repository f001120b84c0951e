/**
 * Ferry against its peers: one load generator (Netty clients) that speaks each peer's own protocol through a
 * {@link dev.ferry.bench.peers.PeerCodec}, the scenarios run against every peer (fan-out, idle connections, RPC),
 * the in-process reference servers (raw-Netty broadcast ceiling, raw-Netty echo, Vert.x SockJS event-bus bridge)
 * and the report (markdown tables, PNG charts).
 *
 * <p>Every peer gets the same 128-byte payload with the publisher's intended send time in it ({@link
 * dev.ferry.bench.peers.Payload}). Everything here talks to loopback addresses only.
 */
package dev.ferry.bench.peers;
