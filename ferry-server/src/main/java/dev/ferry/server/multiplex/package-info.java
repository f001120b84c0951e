/**
 * The multiplexer endpoint {@code /v1/multiplex}: many channels (topics) over one plain WebSocket, wire-compatible
 * with the SockJS websocket-multiplex protocol ({@link dev.ferry.server.multiplex.MultiplexHandler}).
 */
package dev.ferry.server.multiplex;
