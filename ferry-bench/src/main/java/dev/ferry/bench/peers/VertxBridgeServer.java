package dev.ferry.bench.peers;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Vert.x 5 peer: a SockJS event-bus bridge under {@code /eventbus/}, clients allowed to publish to, send to
 * and register on addresses {@code bench.*}; SockJS heart-beats every 10 s, and a bridge ping timeout of 30 s
 * (clients ping every 10 s). Vert.x picks its own event-loop count (twice the cores).
 */
public final class VertxBridgeServer implements AutoCloseable {
    private final Vertx vertx;
    private final HttpServer server;

    private VertxBridgeServer(Vertx vertx, HttpServer server) {
        this.vertx = vertx;
        this.server = server;
    }

    public static VertxBridgeServer start(String host, int port)
            throws InterruptedException, ExecutionException, TimeoutException {
        Vertx vertx = Vertx.vertx();
        PermittedOptions bench = new PermittedOptions().setAddressRegex("bench\\..+");
        SockJSBridgeOptions bridge = new SockJSBridgeOptions()
                .addInboundPermitted(bench)
                .addOutboundPermitted(bench)
                .setPingTimeout(30_000);
        Router router = Router.router(vertx);
        router.route("/eventbus/*").subRouter(
                SockJSHandler.create(vertx, new SockJSHandlerOptions().setHeartbeatInterval(10_000)).bridge(bridge));
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(port, host)
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        return new VertxBridgeServer(vertx, server);
    }

    public int port() {
        return server.actualPort();
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
