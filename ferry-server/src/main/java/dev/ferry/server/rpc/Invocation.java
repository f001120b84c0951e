package dev.ferry.server.rpc;

import dev.ferry.protocol.Payload;

/**
 * One call as its callee gets it: the id the callee answers under, the procedure, the arguments, whether the caller
 * takes progressive results, and the time the caller gives it (ms).
 */
public record Invocation(long id, String proc, Payload args, boolean progress, long timeoutMs) {
}
