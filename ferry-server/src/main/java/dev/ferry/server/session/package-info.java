/**
 * One client connection's protocol state ({@link dev.ferry.server.session.Session}), independent of the socket:
 * it reads commands, keeps subscriptions and registrations, and writes through an
 * {@link dev.ferry.server.transport.Outbound}.
 */
package dev.ferry.server.session;
