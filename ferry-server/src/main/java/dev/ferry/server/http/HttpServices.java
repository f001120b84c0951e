package dev.ferry.server.http;

import dev.ferry.server.auth.OriginPolicy;
import dev.ferry.server.auth.Security;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.hub.Hub;
import dev.ferry.server.presence.Presence;
import dev.ferry.server.rpc.Rpc;
import dev.ferry.server.session.SessionServices;
import dev.ferry.server.sse.SseServices;
import dev.ferry.server.state.StateChannels;
import dev.ferry.server.time.ServerClock;
import dev.ferry.server.transport.FaultLog;
import dev.ferry.server.transport.TransportAuth;
import dev.ferry.server.tunnel.Tunnels;
import dev.ferry.server.websocket.WebSocketServices;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;

/**
 * What the HTTP router and the endpoints it dispatches to work with, made once by the server: the WebSocket and
 * SSE endpoints' services, the checks of an opening request, the tunnel routes, the web assets, the meters, and the
 * upgrade routes of protocols above the router (WAMP), added by the assembler (a concurrent map), and what
 * {@code POST /v1/admin/reload} runs, set by the server (it reloads off the event loop; unset, nothing reloads), and
 * the server's running extensions, whose bridges the server API lists (set by the server as it starts).
 */
public record HttpServices(WebSocketServices webSockets, SseServices sse, TransportAuth auth, OriginPolicy originPolicy,
                           Tunnels tunnels, WebAssets webAssets, PrometheusMeterRegistry meters,
                           Map<String, UpgradeRoute> upgradeRoutes,
                           java.util.concurrent.atomic.AtomicReference<java.util.function.Supplier<
                                   java.util.concurrent.CompletableFuture<dev.ferry.server.config.ReloadResult>>> reloader,
                           java.util.concurrent.atomic.AtomicReference<java.util.function.Supplier<
                                   java.util.List<dev.ferry.server.extension.FerryExtension>>> extensions,
                           ClusterAdmin cluster) {

    /** The extensions running now (a reload may replace some). */
    public java.util.List<dev.ferry.server.extension.FerryExtension> runningExtensions() {
        return extensions.get().get();
    }

    /** Adds a WebSocket endpoint at {@code route.path()}; before the server binds. */
    public void upgradeRoute(UpgradeRoute route) {
        upgradeRoutes.put(route.path(), route);
    }

    /** The endpoint added at {@code path}, or null. */
    public UpgradeRoute upgradeRoute(String path) {
        return upgradeRoutes.isEmpty() ? null : upgradeRoutes.get(path);
    }

    private SessionServices sessions() {
        return webSockets.sessions();
    }

    public FerryConfig config() {
        return sessions().config();
    }

    public Security security() {
        return sessions().security();
    }

    public FaultLog faultLog() {
        return sessions().faultLog();
    }

    public Hub hub() {
        return sessions().hub();
    }

    public Rpc rpc() {
        return sessions().rpc();
    }

    public Presence presence() {
        return sessions().presence();
    }

    public StateChannels stateChannels() {
        return sessions().stateChannels();
    }

    public dev.ferry.server.connection.Connections connections() {
        return sessions().connections();
    }

    public dev.ferry.server.events.EventClasses events() {
        return sessions().events();
    }

    public ServerClock clock() {
        return sessions().clock();
    }

    /** Whether the server is draining: responses close their connection and new work is refused. */
    public boolean draining() {
        return sessions().openChannels().draining();
    }

    /** Open ferry.v1 sessions, as {@code GET /health} reports them. */
    public int openSessions() {
        return sessions().openChannels().openSessions();
    }
}
