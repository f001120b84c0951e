package dev.ferry.server.config;

import java.util.Objects;

/** The whole server configuration. {@link #DEFAULT} is what {@code ferry serve} runs with when given nothing. */
public record FerryConfig(ServerConfig server, WebSocketConfig websocket, RpcConfig rpc, HttpConfig http,
                          HistoryConfig history, EngineConfig engine) {
    public static final FerryConfig DEFAULT = new FerryConfig(ServerConfig.DEFAULT, WebSocketConfig.DEFAULT,
            RpcConfig.DEFAULT, HttpConfig.DEFAULT, HistoryConfig.DEFAULT, EngineConfig.DEFAULT);

    /** A configuration with the default (in-memory) engine. */
    public FerryConfig(ServerConfig server, WebSocketConfig websocket, RpcConfig rpc, HttpConfig http,
                       HistoryConfig history) {
        this(server, websocket, rpc, http, history, EngineConfig.DEFAULT);
    }

    public FerryConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(websocket, "websocket");
        Objects.requireNonNull(rpc, "rpc");
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(history, "history");
        Objects.requireNonNull(engine, "engine");
    }

    public FerryConfig withServer(ServerConfig s) {
        return new FerryConfig(s, websocket, rpc, http, history, engine);
    }

    public FerryConfig withWebSocket(WebSocketConfig w) {
        return new FerryConfig(server, w, rpc, http, history, engine);
    }

    public FerryConfig withRpc(RpcConfig r) {
        return new FerryConfig(server, websocket, r, http, history, engine);
    }

    public FerryConfig withHttp(HttpConfig h) {
        return new FerryConfig(server, websocket, rpc, h, history, engine);
    }

    public FerryConfig withHistory(HistoryConfig h) {
        return new FerryConfig(server, websocket, rpc, http, h, engine);
    }

    public FerryConfig withEngine(EngineConfig e) {
        return new FerryConfig(server, websocket, rpc, http, history, e);
    }
}
