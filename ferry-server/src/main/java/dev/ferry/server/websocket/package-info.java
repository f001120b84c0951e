/**
 * The ferry.v1 WebSocket endpoint: upgrade validation ({@link dev.ferry.server.websocket.WebSocketUpgrade}) and
 * the thin adapter between WebSocket frames and a {@link dev.ferry.server.session.Session}
 * ({@link dev.ferry.server.websocket.FerryWebSocketHandler}).
 */
package dev.ferry.server.websocket;
