/**
 * Socket plumbing every way in shares, below the connection core and knowing none of the endpoints: transport
 * selection (epoll or NIO), the channel initializer (its last handler, the router, is given by the server), the
 * handler names, the open channels and the drain ({@link dev.ferry.server.transport.OpenChannels}), the bounded
 * outbound queues ({@link dev.ferry.server.transport.WebSocketOutbound},
 * {@link dev.ferry.server.transport.EventStreamQueue}) with their shared flushes and counters
 * ({@link dev.ferry.server.transport.OutboundQueues}), HTTP responses, the checks of an opening request
 * ({@link dev.ferry.server.transport.TransportAuth}) and the fault log.
 */
package dev.ferry.server.transport;
