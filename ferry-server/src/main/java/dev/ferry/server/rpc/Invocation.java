package dev.ferry.server.rpc;

import dev.ferry.protocol.Payload;
import dev.ferry.server.engine.DisclosedCaller;

/**
 * One call as its callee gets it: the id the callee answers under, the procedure called, the arguments, whether the
 * caller takes progressive results, the time the caller gives it (ms), the procedure or pattern the callee
 * registered that the call matched ({@link Rpc#register}), and the caller when it disclosed itself (else null).
 */
public record Invocation(long id, String proc, Payload args, boolean progress, long timeoutMs, String registered,
                         DisclosedCaller caller) {
    /** An invocation of an exact registration whose caller did not disclose itself. */
    public Invocation(long id, String proc, Payload args, boolean progress, long timeoutMs) {
        this(id, proc, args, progress, timeoutMs, proc, null);
    }
}
