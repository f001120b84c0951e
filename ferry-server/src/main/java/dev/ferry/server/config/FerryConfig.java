package dev.ferry.server.config;

import java.util.Objects;

/** The whole server configuration. {@link #DEFAULT} is what {@code ferry serve} runs with when given nothing. */
public record FerryConfig(ServerConfig server, WebSocketConfig websocket, RpcConfig rpc, HttpConfig http,
                          TunnelConfig tunnel) {
    public static final FerryConfig DEFAULT = new FerryConfig(ServerConfig.DEFAULT, WebSocketConfig.DEFAULT,
            RpcConfig.DEFAULT, HttpConfig.DEFAULT, TunnelConfig.DEFAULT);

    public FerryConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(websocket, "websocket");
        Objects.requireNonNull(rpc, "rpc");
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(tunnel, "tunnel");
    }

    /** A configuration without tunnels. */
    public FerryConfig(ServerConfig server, WebSocketConfig websocket, RpcConfig rpc, HttpConfig http) {
        this(server, websocket, rpc, http, TunnelConfig.DEFAULT);
    }

    public FerryConfig withServer(ServerConfig s) {
        return new FerryConfig(s, websocket, rpc, http, tunnel);
    }

    public FerryConfig withWebSocket(WebSocketConfig w) {
        return new FerryConfig(server, w, rpc, http, tunnel);
    }

    public FerryConfig withRpc(RpcConfig r) {
        return new FerryConfig(server, websocket, r, http, tunnel);
    }

    public FerryConfig withHttp(HttpConfig h) {
        return new FerryConfig(server, websocket, rpc, h, tunnel);
    }

    public FerryConfig withTunnel(TunnelConfig t) {
        return new FerryConfig(server, websocket, rpc, http, t);
    }
}
