package dev.ferry.server.config;

import java.util.Objects;

/**
 * The whole server configuration, one record per section. {@link #DEFAULT} is what {@code ferry serve} runs with
 * when given nothing; the {@code with...} methods give a copy with one section replaced.
 */
public record FerryConfig(ServerConfig server,
                          WebSocketConfig websocket,
                          RpcConfig rpc,
                          HttpConfig http,
                          HistoryConfig history,
                          WebConfig web,
                          TlsConfig tls,
                          TunnelConfig tunnel,
                          EngineConfig engine,
                          SseConfig sse,
                          AuthConfig auth,
                          LimitsConfig limits,
                          SessionConfig session,
                          PresenceConfig presence,
                          StateConfig state,
                          EventsConfig events,
                          WampConfig wamp,
                          HooksConfig hooks,
                          LogConfig log) {
    public static final FerryConfig DEFAULT = new FerryConfig(
            ServerConfig.DEFAULT,
            WebSocketConfig.DEFAULT,
            RpcConfig.DEFAULT,
            HttpConfig.DEFAULT,
            HistoryConfig.DEFAULT,
            WebConfig.DEFAULT,
            TlsConfig.DEFAULT,
            TunnelConfig.DEFAULT,
            EngineConfig.DEFAULT,
            SseConfig.DEFAULT,
            AuthConfig.DEFAULT,
            LimitsConfig.DEFAULT,
            SessionConfig.DEFAULT,
            PresenceConfig.DEFAULT,
            StateConfig.DEFAULT,
            EventsConfig.DEFAULT,
            WampConfig.DEFAULT,
            HooksConfig.DEFAULT,
            LogConfig.DEFAULT);

    public FerryConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(websocket, "websocket");
        Objects.requireNonNull(rpc, "rpc");
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(history, "history");
        Objects.requireNonNull(web, "web");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(tunnel, "tunnel");
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(sse, "sse");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(presence, "presence");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(wamp, "wamp");
        Objects.requireNonNull(hooks, "hooks");
        Objects.requireNonNull(log, "log");
    }

    /** A configuration with the default {@code log.*} section. */
    public FerryConfig(ServerConfig server, WebSocketConfig websocket, RpcConfig rpc, HttpConfig http,
                       HistoryConfig history, WebConfig web, TlsConfig tls, TunnelConfig tunnel, EngineConfig engine,
                       SseConfig sse, AuthConfig auth, LimitsConfig limits, SessionConfig session,
                       PresenceConfig presence, StateConfig state, EventsConfig events, WampConfig wamp,
                       HooksConfig hooks) {
        this(server, websocket, rpc, http, history, web, tls, tunnel, engine, sse, auth, limits, session, presence,
                state, events, wamp, hooks, LogConfig.DEFAULT);
    }

    public FerryConfig withServer(ServerConfig x) {
        return new FerryConfig(x, websocket, rpc, http, history, web, tls, tunnel, engine, sse, auth, limits, session, presence, state, events, wamp, hooks, log);
    }

    public FerryConfig withWebSocket(WebSocketConfig x) {
        return new FerryConfig(server, x, rpc, http, history, web, tls, tunnel, engine, sse, auth, limits, session, presence, state, events, wamp, hooks, log);
    }

    public FerryConfig withRpc(RpcConfig x) {
        return new FerryConfig(server, websocket, x, http, history, web, tls, tunnel, engine, sse, auth, limits, session, presence, state, events, wamp, hooks, log);
    }

    public FerryConfig withHttp(HttpConfig x) {
        return new FerryConfig(server, websocket, rpc, x, history, web, tls, tunnel, engine, sse, auth, limits, session, presence, state, events, wamp, hooks, log);
    }

    public FerryConfig withHistory(HistoryConfig x) {
        return new FerryConfig(server, websocket, rpc, http, x, web, tls, tunnel, engine, sse, auth, limits, session, presence, state, events, wamp, hooks, log);
    }

    public FerryConfig withWeb(WebConfig x) {
        return new FerryConfig(server, websocket, rpc, http, history, x, tls, tunnel, engine, sse, auth, limits, session, presence, state, events, wamp, hooks, log);
    }

    public FerryConfig withTls(TlsConfig x) {
        return new FerryConfig(server, websocket, rpc, http, history, web, x, tunnel, engine, sse, auth, limits, session, presence, state, events, wamp, hooks, log);
    }

    public FerryConfig withTunnel(TunnelConfig x) {
        return new FerryConfig(server, websocket, rpc, http, history, web, tls, x, engine, sse, auth, limits, session, presence, state, events, wamp, hooks, log);
    }

    public FerryConfig withEngine(EngineConfig x) {
        return new FerryConfig(server, websocket, rpc, http, history, web, tls, tunnel, x, sse, auth, limits, session, presence, state, events, wamp, hooks, log);
    }

    public FerryConfig withSse(SseConfig x) {
        return new FerryConfig(server, websocket, rpc, http, history, web, tls, tunnel, engine, x, auth, limits, session, presence, state, events, wamp, hooks, log);
    }

    public FerryConfig withAuth(AuthConfig x) {
        return new FerryConfig(server, websocket, rpc, http, history, web, tls, tunnel, engine, sse, x, limits, session, presence, state, events, wamp, hooks, log);
    }

    public FerryConfig withLimits(LimitsConfig x) {
        return new FerryConfig(server, websocket, rpc, http, history, web, tls, tunnel, engine, sse, auth, x, session, presence, state, events, wamp, hooks, log);
    }

    public FerryConfig withSession(SessionConfig x) {
        return new FerryConfig(server, websocket, rpc, http, history, web, tls, tunnel, engine, sse, auth, limits, x, presence, state, events, wamp, hooks, log);
    }

    public FerryConfig withPresence(PresenceConfig x) {
        return new FerryConfig(server, websocket, rpc, http, history, web, tls, tunnel, engine, sse, auth, limits, session, x, state, events, wamp, hooks, log);
    }

    public FerryConfig withState(StateConfig x) {
        return new FerryConfig(server, websocket, rpc, http, history, web, tls, tunnel, engine, sse, auth, limits, session, presence, x, events, wamp, hooks, log);
    }

    public FerryConfig withEvents(EventsConfig x) {
        return new FerryConfig(server, websocket, rpc, http, history, web, tls, tunnel, engine, sse, auth, limits, session, presence, state, x, wamp, hooks, log);
    }

    public FerryConfig withWamp(WampConfig x) {
        return new FerryConfig(server, websocket, rpc, http, history, web, tls, tunnel, engine, sse, auth, limits, session, presence, state, events, x, hooks, log);
    }

    public FerryConfig withHooks(HooksConfig x) {
        return new FerryConfig(server, websocket, rpc, http, history, web, tls, tunnel, engine, sse, auth, limits, session, presence, state, events, wamp, x, log);
    }

    public FerryConfig withLog(LogConfig x) {
        return new FerryConfig(server, websocket, rpc, http, history, web, tls, tunnel, engine, sse, auth, limits, session, presence, state, events, wamp, hooks, x);
    }
}
