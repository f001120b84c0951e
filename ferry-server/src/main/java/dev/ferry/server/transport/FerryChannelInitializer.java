package dev.ferry.server.transport;

import dev.ferry.server.auth.Security;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.time.ServerClock;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.cors.CorsConfig;
import io.netty.handler.codec.http.cors.CorsConfigBuilder;
import io.netty.handler.codec.http.cors.CorsHandler;
import java.util.List;
import java.util.function.Supplier;

/**
 * Builds the pipeline of an accepted connection; it starts as HTTP/1.1 and the router may switch it to WebSocket:
 * <pre>
 *   byte-counter → [tls-detect] → http-codec → http-aggregator → http-deadline → [http-cors] → http-router
 * </pre>
 * {@code tls-detect} is there only with TLS: it becomes {@code tls-renegotiation → tls} (an SslHandler behind the
 * filter that refuses client renegotiation) for a TLS client, with {@code hsts} after {@code http-codec} when
 * {@code tls.hsts.max-age} is set, or puts {@code https-redirect} after the aggregator for a plain-HTTP one. {@code http-cors} is there only when
 * {@code web.cors-origins} lists origins. The router, which dispatches each request to its endpoint, is made by the
 * server that assembles the endpoints; this class knows none of them.
 */
public final class FerryChannelInitializer extends ChannelInitializer<SocketChannel> {
    private final FerryConfig config;
    private final OpenChannels channels;
    private final Security security;
    private final ByteCounter byteCounter;
    private final Supplier<ChannelHandler> router;
    /** Read as each connection opens: a reload's origins apply to the HTTP connections opened after it. */
    private volatile CorsConfig cors;
    /** Read as each connection opens: a reload's bound applies to the connections opened after it. */
    private volatile int maxBodyBytes;
    private final TlsContext tls;
    private final ServerClock clock;

    /**
     * Accepted channels are tracked by {@code channels} and checked against the connection limits of
     * {@code security}; {@code router} makes the last handler of each pipeline; {@code tls} is null for a plain port; request deadlines are timed on {@code clock}.
     */
    public FerryChannelInitializer(FerryConfig config, OpenChannels channels, Security security,
                                   ByteCounter byteCounter, Supplier<ChannelHandler> router, TlsContext tls,
                                   ServerClock clock) {
        this.clock = clock;
        this.config = config;
        this.channels = channels;
        this.security = security;
        this.byteCounter = byteCounter;
        this.router = router;
        this.tls = tls;
        this.cors = corsConfig(config.web().corsOrigins());
        this.maxBodyBytes = config.http().maxBodyBytes();
    }

    /** Takes {@code max} ({@code http.max-body-bytes}) for the connections opened from now on. */
    public void maxBodyBytes(int max) {
        this.maxBodyBytes = max;
    }

    /** Takes {@code origins} ({@code web.cors-origins}) for the connections opened from now on. */
    public void corsOrigins(List<String> origins) {
        this.cors = corsConfig(origins);
    }

    /** CORS for the HTTP API: simple requests and preflights from the listed origins; none when the list is empty. */
    private static CorsConfig corsConfig(List<String> origins) {
        if (origins.isEmpty()) {
            return null;
        }
        CorsConfigBuilder b = origins.contains("*") ? CorsConfigBuilder.forAnyOrigin()
                : CorsConfigBuilder.forOrigins(origins.toArray(String[]::new));
        return b.allowedRequestMethods(HttpMethod.GET, HttpMethod.POST)
                .allowedRequestHeaders(HttpHeaderNames.AUTHORIZATION, HttpHeaderNames.CONTENT_TYPE)
                .maxAge(600)
                .build();
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        channels.register(ch);
        var refusal = security.connections().check(ch);
        if (refusal != null) {
            security.counters().connectionRefused();
            ch.attr(OpenChannels.OVER_CONNECTION_LIMIT).set(refusal);
        }
        ChannelPipeline p = ch.pipeline();
        p.addLast(HandlerNames.BYTE_COUNTER, byteCounter);
        if (tls != null) {
            p.addLast(HandlerNames.TLS_DETECT, new TlsDetector(tls));
        }
        p.addLast(HandlerNames.HTTP_CODEC, new HttpServerCodec());
        p.addLast(HandlerNames.HTTP_AGGREGATOR, new HttpObjectAggregator(maxBodyBytes));
        p.addLast(HandlerNames.HTTP_DEADLINE, new HttpRequestDeadline(config.websocket().handshakeTimeout().toMillis(), clock));
        CorsConfig corsNow = cors;
        if (corsNow != null) {
            p.addLast(HandlerNames.HTTP_CORS, new CorsHandler(corsNow));
        }
        p.addLast(HandlerNames.HTTP_ROUTER, router.get());
    }
}
