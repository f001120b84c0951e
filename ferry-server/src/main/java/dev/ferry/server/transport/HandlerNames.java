package dev.ferry.server.transport;

/** Names of the pipeline handlers, so that handlers can be found, replaced and removed by name. */
public final class HandlerNames {
    public static final String BYTE_COUNTER = "byte-counter";
    public static final String TLS_DETECT = "tls-detect";
    public static final String TLS = "tls";
    public static final String TLS_RENEGOTIATION = "tls-renegotiation";
    public static final String HSTS = "hsts";
    public static final String HTTPS_REDIRECT = "https-redirect";
    public static final String HTTP_CODEC = "http-codec";
    public static final String HTTP_AGGREGATOR = "http-aggregator";
    public static final String HTTP_DEADLINE = "http-deadline";
    public static final String HTTP_CORS = "http-cors";
    public static final String HTTP_ROUTER = "http-router";
    public static final String WS_PROTOCOL = "ws-protocol";
    /** Negotiates permessage-deflate during the upgrade, then leaves its encoder and decoder in its place. */
    public static final String WS_DEFLATE = "ws-deflate";
    public static final String WS_AGGREGATOR = "ws-aggregator";
    public static final String WS_SESSION = "ws-session";
    /** Tunnels (AMQP WebSocket Binding and TCP routes, and the tunnel client). */
    public static final String TUNNEL_TLS = "tunnel-tls";
    public static final String TUNNEL_IDLE = "tunnel-idle";
    public static final String TUNNEL_RELAY = "tunnel-relay";
    public static final String TUNNEL_REFUSAL = "tunnel-refusal";
    /** The tunnel client's binary frames, masked in place (after Netty's WebSocket encoder, which takes the rest). */
    public static final String TUNNEL_MASKING = "tunnel-masking";
    public static final String PROXY_HTTP_CODEC = "proxy-http-codec";
    public static final String PROXY_AGGREGATOR = "proxy-aggregator";
    public static final String PROXY_CONNECT = "proxy-connect";
    public static final String WS_HTTP_CODEC = "ws-http-codec";
    public static final String WS_HTTP_AGGREGATOR = "ws-http-aggregator";
    public static final String SSE_STREAM = "sse-stream";

    private HandlerNames() {
    }
}
