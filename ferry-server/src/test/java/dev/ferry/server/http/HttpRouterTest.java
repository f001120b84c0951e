package dev.ferry.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.ServerAssembly;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.hub.Hub;
import dev.ferry.server.rpc.Rpc;
import dev.ferry.server.transport.HandlerNames;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpRouterTest {
    private final EmbeddedChannel channel = new EmbeddedChannel();

    HttpRouterTest() {
        var server = ServerAssembly.of(FerryConfig.DEFAULT, new Hub(), new Rpc(FerryConfig.DEFAULT.rpc()));
        channel.pipeline().addLast(HandlerNames.HTTP_ROUTER, new HttpRouter(server.http()));
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    private FullHttpResponse exchange(FullHttpRequest req) {
        channel.writeInbound(req);
        return channel.readOutbound();
    }

    private static String body(FullHttpResponse r) {
        String s = r.content().toString(StandardCharsets.UTF_8);
        r.release();
        return s;
    }

    @Test
    void health() {
        FullHttpResponse r = exchange(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/healthz"));
        assertThat(r.status().code()).isEqualTo(200);
        assertThat(body(r)).isEqualTo("{\"status\":\"ok\",\"connections\":0}");
    }

    @Test
    void unknownPathAndWrongMethod() {
        FullHttpResponse r = exchange(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/what"));
        assertThat(r.status().code()).isEqualTo(404);
        assertThat(body(r)).contains("\"code\":\"not_found\"");
        r = exchange(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.DELETE, "/healthz"));
        assertThat(r.status().code()).isEqualTo(405);
        assertThat(r.headers().get("Allow")).isEqualTo("GET");
        body(r);
    }

    @Test
    void theFaviconThatBrowsersAskForIsServed() {
        FullHttpResponse r = exchange(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/favicon.ico"));
        assertThat(r.status().code()).isEqualTo(200);
        assertThat(r.headers().get("Content-Type")).isEqualTo("image/x-icon");
        byte[] icon = new byte[4];
        r.content().getBytes(0, icon);
        r.release();
        assertThat(icon).as("an ICO file").containsExactly(0, 0, 1, 0);
    }

    @Test
    void apiIsOffWithoutKeys() {
        FullHttpResponse r = exchange(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/publish/a"));
        assertThat(r.status().code()).isEqualTo(403);
        assertThat(body(r)).contains("\"code\":\"api_disabled\"")
                .as("names an example of turning it on").contains("--set http.api-keys=");
    }

    @Test
    void upgradeRefusals() {
        FullHttpRequest post = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/ws");
        post.headers().set("Upgrade", "websocket");
        FullHttpResponse r = exchange(post);
        assertThat(r.status().code()).isEqualTo(400);
        assertThat(body(r)).contains("must use GET");
        assertThat(channel.isOpen()).isFalse();
    }
}
