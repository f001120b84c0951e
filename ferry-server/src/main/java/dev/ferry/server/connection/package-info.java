/**
 * The connection core: one {@link dev.ferry.server.connection.Connection} per client connection, whatever its
 * transport (ferry.v1 WebSocket, fallback session, multiplexer channel, per-topic socket, SSE stream, state event
 * stream). It owns the connection's identity, its admission ({@link dev.ferry.server.connection.Admission}: topic grammar, permissions,
 * publish and call rates, subscription limits), its subscriptions on the hub, and is the one subscriber the hub
 * delivers to. A transport decodes its wire format into the core's operations, answers a
 * {@link dev.ferry.server.connection.Refusal} in its own way, and writes what the core hands it through
 * {@link dev.ferry.server.connection.Transport}. A state channel a client follows is subscribed on a channel of its
 * connection ({@link dev.ferry.server.connection.FollowerFeed}). The expiry of a connection's identity, and its
 * refresh through the refresh hook, is timed here too ({@link dev.ferry.server.connection.IdentityExpiry}); the
 * transport only says how it ends.
 */
package dev.ferry.server.connection;
