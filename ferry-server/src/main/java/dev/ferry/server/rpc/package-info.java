/**
 * Routed RPC: the procedure registry (round-robin among callees), pending calls with their timeouts, and the
 * four ways a call fails (no such procedure, timeout, callee gone, callee error).
 */
package dev.ferry.server.rpc;
