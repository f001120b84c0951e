/**
 * The in-memory hub: subscriptions in a {@link dev.ferry.server.hub.TopicTree} (AMQP {@code *}/{@code #}
 * semantics, matched by walking the tree, never by scanning subscriptions), per-topic offsets, and encode-once
 * fan-out to each subscriber's event loop.
 */
package dev.ferry.server.hub;
