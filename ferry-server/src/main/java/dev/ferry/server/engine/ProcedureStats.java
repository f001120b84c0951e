package dev.ferry.server.engine;

import dev.ferry.protocol.InvokePolicy;

/**
 * A registered procedure as a node (or the cluster) sees it: how many callees it has, their invocation policy, and
 * the calls routed to them (in all since it got its first callee, and per second over the last minute).
 */
public record ProcedureStats(String proc, int callees, InvokePolicy invoke, long calls, double callsPerSecond) {
    /** This and {@code other} (the same procedure on another node) together; the policy is this one's. */
    public ProcedureStats plus(ProcedureStats other) {
        return new ProcedureStats(proc, callees + other.callees, invoke, calls + other.calls,
                callsPerSecond + other.callsPerSecond);
    }
}
