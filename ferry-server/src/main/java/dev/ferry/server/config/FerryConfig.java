package dev.ferry.server.config;

import java.util.Objects;

/** The whole server configuration. {@link #DEFAULT} is what {@code ferry serve} runs with when given nothing. */
public record FerryConfig(ServerConfig server, WebSocketConfig websocket, RpcConfig rpc, HttpConfig http,
                          HistoryConfig history, AuthConfig auth, LimitsConfig limits) {
    public static final FerryConfig DEFAULT = new FerryConfig(ServerConfig.DEFAULT, WebSocketConfig.DEFAULT,
            RpcConfig.DEFAULT, HttpConfig.DEFAULT, HistoryConfig.DEFAULT);

    /** Without authentication settings or limits: the defaults of both. */
    public FerryConfig(ServerConfig server, WebSocketConfig websocket, RpcConfig rpc, HttpConfig http,
                       HistoryConfig history) {
        this(server, websocket, rpc, http, history, AuthConfig.DEFAULT, LimitsConfig.DEFAULT);
    }

    public FerryConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(websocket, "websocket");
        Objects.requireNonNull(rpc, "rpc");
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(history, "history");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(limits, "limits");
    }

    public FerryConfig withServer(ServerConfig s) {
        return new FerryConfig(s, websocket, rpc, http, history, auth, limits);
    }

    public FerryConfig withWebSocket(WebSocketConfig w) {
        return new FerryConfig(server, w, rpc, http, history, auth, limits);
    }

    public FerryConfig withRpc(RpcConfig r) {
        return new FerryConfig(server, websocket, r, http, history, auth, limits);
    }

    public FerryConfig withHttp(HttpConfig h) {
        return new FerryConfig(server, websocket, rpc, h, history, auth, limits);
    }

    public FerryConfig withHistory(HistoryConfig h) {
        return new FerryConfig(server, websocket, rpc, http, h, auth, limits);
    }

    public FerryConfig withAuth(AuthConfig a) {
        return new FerryConfig(server, websocket, rpc, http, history, a, limits);
    }

    public FerryConfig withLimits(LimitsConfig l) {
        return new FerryConfig(server, websocket, rpc, http, history, auth, l);
    }
}
