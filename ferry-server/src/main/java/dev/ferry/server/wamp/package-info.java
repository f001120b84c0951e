/**
 * WAMP (the Web Application Messaging Protocol, v2) at {@code /v1/wamp}: a thin transport on the connection core,
 * so that WAMP clients (Autobahn|JS, Autobahn|Python, ...) use Ferry as their router next to ferry.v1 clients,
 * through the same topics and procedures (docs/wamp.md). {@link dev.ferry.server.wamp.WampCodec} decodes and encodes
 * the {@code wamp.2.json} and {@code wamp.2.msgpack} serializations, {@link dev.ferry.server.wamp.WampPayloads} maps
 * ferry.v1 data to WAMP arguments and back, {@link dev.ferry.server.wamp.WampHandler} is one WAMP session, and
 * {@link dev.ferry.server.wamp.WampRouter} is what the sessions of one server share. It sits above the transports
 * layer: it builds on the shared WebSocket side ({@code websocket}) and is reached through an
 * {@link dev.ferry.server.http.UpgradeRoute} that {@code FerryServer} adds.
 */
package dev.ferry.server.wamp;
