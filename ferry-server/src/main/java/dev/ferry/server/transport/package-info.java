/**
 * Listener plumbing: transport selection (epoll or NIO), the channel initializer, the handler names, the HTTP
 * router that dispatches each request to its endpoint, and the per-connection bounded outbound queue
 * ({@link dev.ferry.server.transport.WebSocketOutbound}).
 */
package dev.ferry.server.transport;
