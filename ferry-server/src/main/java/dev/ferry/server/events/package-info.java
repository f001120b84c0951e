/**
 * Declared event classes (docs/events.md): the topics of each class, its JSON Schema compiled once at start, and
 * the check every publication of a class passes, whatever its transport. It knows the configuration and the
 * protocol's payloads, nothing of connections, transports or the hub.
 */
package dev.ferry.server.events;
