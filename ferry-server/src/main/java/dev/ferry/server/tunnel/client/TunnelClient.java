package dev.ferry.server.tunnel.client;

import dev.ferry.protocol.proxy.ProxySettings;
import dev.ferry.server.transport.HandlerNames;
import dev.ferry.server.transport.Transport;
import dev.ferry.server.tunnel.Relay;
import dev.ferry.server.tunnel.TunnelCounters;
import dev.ferry.server.tunnel.TunnelStats;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client end of a TCP tunnel ({@code ferry tunnel}): a local TCP listener that carries each accepted connection
 * over its own WebSocket to a gateway route ({@code ws[s]://host:port/v1/tunnel/<name>}, or an AMQP route with
 * subprotocol {@code amqp}), optionally through an HTTP proxy ({@code CONNECT}, Basic or Digest authentication).
 * Unmodified TCP clients (AMQP 0-9-1, AMQP 1.0, anything) connect to the local port.
 *
 * <pre>{@code
 * try (TunnelClient t = TunnelClient.builder(URI.create("wss://gw.example/v1/tunnel/rabbit"))
 *         .listen(new InetSocketAddress("127.0.0.1", 5673)).build()) {
 *     InetSocketAddress local = t.start();
 *     ...
 * }
 * }</pre>
 *
 * <p>Lifecycle: {@link #start()} once, then {@link #close()} (idempotent), which closes the listener and every
 * tunnel. A local connection whose WebSocket cannot be opened (proxy refusal, TLS failure, gateway refusal) is
 * closed, and the reason logged; the next local connection tries afresh.
 */
public final class TunnelClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TunnelClient.class);

    private final Builder settings;
    private final URI target;
    private final String targetHost;
    private final int targetPort;
    private final SslContext tls;
    private final TunnelCounters counters = new TunnelCounters(Integer.MAX_VALUE);
    private final Object lock = new Object();
    private Transport transport;
    private EventLoopGroup group;
    private Channel listener;
    private boolean closed;

    private TunnelClient(Builder b) {
        this.settings = b;
        this.target = b.target;
        this.targetHost = target.getHost().startsWith("[") ? target.getHost().substring(1, target.getHost().length() - 1)
                : target.getHost();
        boolean secure = target.getScheme().equalsIgnoreCase("wss");
        this.targetPort = target.getPort() > 0 ? target.getPort() : secure ? 443 : 80;
        try {
            if (!secure) {
                tls = null;
            } else if (b.insecure) {
                tls = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
            } else if (b.trustedCertificates != null) {
                tls = SslContextBuilder.forClient().trustManager(b.trustedCertificates.toFile())
                        .endpointIdentificationAlgorithm("HTTPS").build();
            } else {
                tls = SslContextBuilder.forClient().endpointIdentificationAlgorithm("HTTPS").build();
            }
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot set up TLS for " + target + ": " + e.getMessage(), e);
        }
    }

    /** A builder for a tunnel to {@code target}, a {@code ws:} or {@code wss:} URI of a gateway route. */
    public static Builder builder(URI target) {
        return new Builder(target);
    }

    /** Binds the local listener and returns its address (useful with port 0). */
    public InetSocketAddress start() {
        synchronized (lock) {
            if (listener != null || closed) {
                throw new IllegalStateException(closed ? "tunnel client is closed" : "tunnel client already started");
            }
            transport = Transport.select(true);
            group = transport.newGroup(settings.ioThreads, "ferry-tunnel");
            ServerBootstrap b = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannelClass())
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel local) {
                            counters.tryOpen();
                            local.closeFuture().addListener(f -> counters.closed());
                            open(local, null);
                        }
                    });
            try {
                listener = b.bind(settings.listen).sync().channel();
            } catch (Exception e) {
                group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
                throw new IllegalStateException("cannot listen on " + settings.listen + ": " + e.getMessage(), e);
            }
            InetSocketAddress bound = (InetSocketAddress) listener.localAddress();
            log.info("tunnel listening on {} → {}{}", bound, target,
                    settings.proxy == null ? "" : " via proxy " + settings.proxy.host() + ":" + settings.proxy.port());
            return bound;
        }
    }

    /** The counters: open and accepted local connections, bytes each way ("WebSocket" is the gateway side). */
    public TunnelStats stats() {
        return counters.snapshot("tunnel", target.toString());
    }

    /** Opens the WebSocket for {@code local}; {@code proxyAuthorization} is sent up front when retrying. */
    private void open(Channel local, String proxyAuthorization) {
        ProxySettings proxy = settings.proxy;
        HttpConnectHandler[] connect = new HttpConnectHandler[1];
        Relay[] relay = new Relay[1];
        Bootstrap b = new Bootstrap()
                .group(local.eventLoop())
                .channel(transport.socketChannelClass())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout.toMillis())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ws) {
                        relay[0] = new Relay(ws, local, counters, dev.ferry.server.time.ServerClock.system(),
                                settings.maxFrameBytes);
                        ChannelPipeline p = ws.pipeline();
                        if (proxy != null) {
                            connect[0] = new HttpConnectHandler(authority(), proxy, proxyAuthorization);
                            p.addLast(HandlerNames.PROXY_HTTP_CODEC, new HttpClientCodec());
                            p.addLast(HandlerNames.PROXY_AGGREGATOR, new HttpObjectAggregator(64 * 1024));
                            p.addLast(HandlerNames.PROXY_CONNECT, connect[0]);
                        }
                        if (tls != null) {
                            p.addLast(HandlerNames.TUNNEL_TLS, tls.newHandler(ws.alloc(), targetHost, targetPort));
                        }
                        p.addLast(HandlerNames.WS_HTTP_CODEC, new HttpClientCodec());
                        p.addLast(HandlerNames.WS_HTTP_AGGREGATOR, new HttpObjectAggregator(64 * 1024));
                        p.addLast(HandlerNames.TUNNEL_REFUSAL, new UpgradeRefusal(target));
                        p.addLast(HandlerNames.WS_PROTOCOL, new WebSocketClientProtocolHandler(protocolConfig()));
                        p.addLast(HandlerNames.TUNNEL_IDLE,
                                new IdleStateHandler(0, 0, settings.idlePing.toMillis(), TimeUnit.MILLISECONDS));
                        p.addLast(HandlerNames.TUNNEL_MASKING, new InPlaceMaskingEncoder());
                        p.addLast(HandlerNames.TUNNEL_RELAY, relay[0].webSocketHandler());
                        if (local.pipeline().get(HandlerNames.TUNNEL_RELAY) != null) {
                            local.pipeline().replace(HandlerNames.TUNNEL_RELAY, HandlerNames.TUNNEL_RELAY, relay[0].streamHandler());
                        } else {
                            local.pipeline().addLast(HandlerNames.TUNNEL_RELAY, relay[0].streamHandler());
                        }
                    }
                });
        ChannelFuture cf = proxy != null ? b.connect(proxy.host(), proxy.port()) : b.connect(targetHost, targetPort);
        Channel ws = cf.channel();
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                log.warn("cannot reach {}:{}: {}", proxy != null ? proxy.host() : targetHost,
                        proxy != null ? proxy.port() : targetPort, f.cause().getMessage());
            }
        });
        local.closeFuture().addListener(f -> {
            if (relay[0] == null || !relay[0].started()) {
                ws.close();
            }
        });
        ws.closeFuture().addListener(f -> {
            if (relay[0] != null && relay[0].started()) {
                return;
            }
            String retry = connect[0] == null ? null : connect[0].retryAuthorization();
            if (retry != null && proxyAuthorization == null && local.isActive()) {
                open(local, retry);
            } else {
                local.close();
            }
        });
    }

    private String authority() {
        return (targetHost.contains(":") ? "[" + targetHost + "]" : targetHost) + ":" + targetPort;
    }

    private WebSocketClientProtocolConfig protocolConfig() {
        HttpHeaders headers = new DefaultHttpHeaders();
        settings.headers.forEach(headers::add);
        return WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(target)
                .subprotocol(settings.subprotocol)
                .customHeaders(headers)
                .maxFramePayloadLength(settings.maxFrameBytes)
                .allowExtensions(false)
                .withUTF8Validator(false) // text frames close the tunnel (1003) whatever they hold
                .handleCloseFrames(true)
                .dropPongFrames(true)
                .handshakeTimeoutMillis(settings.connectTimeout.toMillis())
                .build();
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (listener != null) {
                listener.close().syncUninterruptibly();
            }
            if (group != null) {
                group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            }
        }
    }

    /** Settings of a {@link TunnelClient}; every one but the target has a default. */
    public static final class Builder {
        private final URI target;
        private InetSocketAddress listen = new InetSocketAddress("127.0.0.1", 0);
        private ProxySettings proxy;
        private final Map<String, String> headers = new java.util.LinkedHashMap<>();
        private String subprotocol;
        private boolean insecure;
        private Path trustedCertificates;
        private int maxFrameBytes = 2 << 20;
        private Duration idlePing = Duration.ofSeconds(25);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private int ioThreads = 1;

        private Builder(URI target) {
            Objects.requireNonNull(target, "target");
            String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("ws") && !scheme.equals("wss") || target.getHost() == null) {
                throw new IllegalArgumentException("to: \"" + target + "\" (expected: ws://host:port/path or wss://...)");
            }
            this.target = target;
        }

        /** The local address to listen on (default 127.0.0.1, port 0). */
        public Builder listen(InetSocketAddress address) {
            this.listen = Objects.requireNonNull(address, "listen");
            return this;
        }

        /** An HTTP proxy to reach the gateway through, or {@code null} for none (the default). */
        public Builder proxy(ProxySettings p) {
            this.proxy = p;
            return this;
        }

        /** A header sent with every upgrade request, e.g. {@code Authorization: Bearer ...}. */
        public Builder header(String name, String value) {
            headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** The subprotocol to ask for: none by default (TCP routes); {@code amqp} for AMQP routes. */
        public Builder subprotocol(String s) {
            this.subprotocol = s;
            return this;
        }

        /** Accept any certificate from a {@code wss:} gateway (testing only; default false). */
        public Builder insecure(boolean b) {
            this.insecure = b;
            return this;
        }

        /** Trust the CA certificates in this PEM file instead of the JVM's trust store, for {@code wss:}. */
        public Builder trustedCertificates(Path pem) {
            this.trustedCertificates = pem;
            return this;
        }

        /** Largest WebSocket frame accepted from the gateway (default 2 MiB). */
        public Builder maxFrameBytes(int n) {
            if (n < 4096) {
                throw new IllegalArgumentException("maxFrameBytes: " + n + " (expected: >= 4096)");
            }
            this.maxFrameBytes = n;
            return this;
        }

        /** Ping the gateway after this long without traffic (default 25s). */
        public Builder idlePing(Duration d) {
            this.idlePing = Objects.requireNonNull(d, "idlePing");
            return this;
        }

        /** Time allowed for the TCP connection, proxy tunnel, TLS and WebSocket handshakes (default 10s). */
        public Builder connectTimeout(Duration d) {
            this.connectTimeout = Objects.requireNonNull(d, "connectTimeout");
            return this;
        }

        public TunnelClient build() {
            return new TunnelClient(this);
        }
    }
}
