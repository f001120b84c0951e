package dev.ferry.server.transport;

/** Names of the pipeline handlers, so that handlers can be found, replaced and removed by name. */
public final class HandlerNames {
    public static final String HTTP_CODEC = "http-codec";
    public static final String HTTP_AGGREGATOR = "http-aggregator";
    public static final String HTTP_DEADLINE = "http-deadline";
    public static final String HTTP_ROUTER = "http-router";
    public static final String WS_PROTOCOL = "ws-protocol";
    public static final String WS_AGGREGATOR = "ws-aggregator";
    public static final String WS_IDLE = "ws-idle";
    public static final String WS_SESSION = "ws-session";
    public static final String SSE_STREAM = "sse-stream";

    private HandlerNames() {
    }
}
