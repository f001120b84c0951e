/**
 * Presence: who is subscribed to which topic (connection id, user, client info), the {@code presence} query, and
 * coalesced {@code presence_diff} pushes of joins and leaves (docs/protocol.md §4.7). {@link
 * dev.ferry.server.store.PresenceStore} is the engine's part: in memory for one node ({@link MemoryPresenceStore}),
 * in Redis for a cluster.
 */
package dev.ferry.server.presence;
