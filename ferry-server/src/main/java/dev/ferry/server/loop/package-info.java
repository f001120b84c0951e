/**
 * Event-loop plumbing shared by the hub, RPC and the transports: {@link dev.ferry.server.loop.Handoff} carries work
 * from one event loop to others, one task per target loop per run of the source loop.
 */
package dev.ferry.server.loop;
