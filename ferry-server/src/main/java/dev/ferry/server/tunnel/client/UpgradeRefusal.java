package dev.ferry.server.tunnel.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Names a refused tunnel upgrade. When the gateway answers the WebSocket handshake with anything but 101, logs the
 * route's URL, the status and the gateway's reason (the {@code code} and {@code message} of Ferry's JSON error, or
 * the text of the body), then closes the WebSocket channel, which closes the local connection. The WebSocket
 * protocol handler alone would report only "Invalid handshake response", against the address it connected to
 * (a proxy's, when there is one), and drop the body. Sits between the HTTP aggregator and the protocol handler;
 * leaves the pipeline once the handshake is answered with 101.
 */
final class UpgradeRefusal extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(UpgradeRefusal.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Longest reason quoted from a body that is not Ferry's JSON error. */
    private static final int MAX_REASON = 300;

    private final URI target;

    UpgradeRefusal(URI target) {
        this.target = target;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpResponse response)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (response.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            log.warn("the gateway refused the tunnel's WebSocket {}: {}{}", target, response.status(),
                    reason(response.content().toString(StandardCharsets.UTF_8)));
        } finally {
            ReferenceCountUtil.release(msg);
        }
        ctx.close();
    }

    /** {@code ": code: message"} of a Ferry JSON error, {@code ": text"} of another body, or nothing. */
    static String reason(String body) {
        String text = body.strip();
        if (text.isEmpty()) {
            return "";
        }
        if (text.startsWith("{")) {
            try {
                JsonNode error = JSON.readTree(text);
                if (error.path("message").isTextual()) {
                    String code = error.path("code").asText("");
                    return ": " + (code.isEmpty() ? "" : code + ": ") + error.path("message").asText();
                }
            } catch (IOException e) {
                // not JSON after all: quoted as text below
            }
        }
        String line = text.replaceAll("\\s+", " ");
        return ": " + (line.length() > MAX_REASON ? line.substring(0, MAX_REASON) + "..." : line);
    }
}
