package dev.ferry.server.engine;

/**
 * A caller that disclosed itself to the callee (WAMP {@code disclose_me}): its session id, authid and authrole. It
 * travels with the call, to a callee on another node too ({@link RemoteProcedures#invoke}).
 */
public record DisclosedCaller(long session, String authid, String authrole) {
}
