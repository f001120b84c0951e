package dev.ferry.server.config;

import java.util.Objects;

/** The whole server configuration. {@link #DEFAULT} is what {@code ferry serve} runs with when given nothing. */
public record FerryConfig(ServerConfig server, WebSocketConfig websocket, RpcConfig rpc, HttpConfig http,
                          HistoryConfig history, WebConfig web, TlsConfig tls, TunnelConfig tunnel) {
    public static final FerryConfig DEFAULT = new FerryConfig(ServerConfig.DEFAULT, WebSocketConfig.DEFAULT,
            RpcConfig.DEFAULT, HttpConfig.DEFAULT, HistoryConfig.DEFAULT, WebConfig.DEFAULT, TlsConfig.DEFAULT,
            TunnelConfig.DEFAULT);

    public FerryConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(websocket, "websocket");
        Objects.requireNonNull(rpc, "rpc");
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(history, "history");
        Objects.requireNonNull(web, "web");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(tunnel, "tunnel");
    }

    public FerryConfig withServer(ServerConfig s) {
        return new FerryConfig(s, websocket, rpc, http, history, web, tls, tunnel);
    }

    public FerryConfig withWebSocket(WebSocketConfig w) {
        return new FerryConfig(server, w, rpc, http, history, web, tls, tunnel);
    }

    public FerryConfig withRpc(RpcConfig r) {
        return new FerryConfig(server, websocket, r, http, history, web, tls, tunnel);
    }

    public FerryConfig withHttp(HttpConfig h) {
        return new FerryConfig(server, websocket, rpc, h, history, web, tls, tunnel);
    }

    public FerryConfig withHistory(HistoryConfig h) {
        return new FerryConfig(server, websocket, rpc, http, h, web, tls, tunnel);
    }

    public FerryConfig withWeb(WebConfig w) {
        return new FerryConfig(server, websocket, rpc, http, history, w, tls, tunnel);
    }

    public FerryConfig withTls(TlsConfig t) {
        return new FerryConfig(server, websocket, rpc, http, history, web, t, tunnel);
    }

    public FerryConfig withTunnel(TunnelConfig t) {
        return new FerryConfig(server, websocket, rpc, http, history, web, tls, t);
    }
}
