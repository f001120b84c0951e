/**
 * Routed RPC: the procedure registry (shared registrations picked by an invocation policy, with call counts),
 * pending calls with their timeouts, progressive results and cancels, and the ways a call fails (no such
 * procedure, timeout, callee gone, callee error, canceled).
 */
package dev.ferry.server.rpc;
