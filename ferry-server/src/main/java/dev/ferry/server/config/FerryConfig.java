package dev.ferry.server.config;

import java.util.Objects;

/** The whole server configuration. {@link #DEFAULT} is what {@code ferry serve} runs with when given nothing. */
public record FerryConfig(ServerConfig server, WebSocketConfig websocket, RpcConfig rpc, HttpConfig http,
                          HistoryConfig history, SseConfig sse) {
    public static final FerryConfig DEFAULT = new FerryConfig(ServerConfig.DEFAULT, WebSocketConfig.DEFAULT,
            RpcConfig.DEFAULT, HttpConfig.DEFAULT, HistoryConfig.DEFAULT, SseConfig.DEFAULT);

    public FerryConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(websocket, "websocket");
        Objects.requireNonNull(rpc, "rpc");
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(history, "history");
        Objects.requireNonNull(sse, "sse");
    }

    public FerryConfig withServer(ServerConfig s) {
        return new FerryConfig(s, websocket, rpc, http, history, sse);
    }

    public FerryConfig withWebSocket(WebSocketConfig w) {
        return new FerryConfig(server, w, rpc, http, history, sse);
    }

    public FerryConfig withRpc(RpcConfig r) {
        return new FerryConfig(server, websocket, r, http, history, sse);
    }

    public FerryConfig withHttp(HttpConfig h) {
        return new FerryConfig(server, websocket, rpc, h, history, sse);
    }

    public FerryConfig withHistory(HistoryConfig h) {
        return new FerryConfig(server, websocket, rpc, http, h, sse);
    }

    public FerryConfig withSse(SseConfig s) {
        return new FerryConfig(server, websocket, rpc, http, history, s);
    }
}
