package dev.ferry.server.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.config.Durations;
import dev.ferry.server.config.FerryConfig;
import dev.ferry.server.config.TunnelRoute;
import dev.ferry.server.extension.BridgeStatus;
import dev.ferry.server.extension.FerryExtension;
import dev.ferry.server.transport.HttpResponses;
import dev.ferry.server.tunnel.TunnelStats;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Statistic;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What the admin console shows besides connections and topics (docs/http-api.md, "Server API"): this node's
 * counters ({@code GET /v1/admin/stats}), its effective configuration with secrets masked
 * ({@code GET /v1/admin/config}), its tunnel routes ({@code GET /v1/admin/tunnels}) and the bridges of its extensions
 * ({@code GET /v1/admin/bridges}). Every answer is read from memory on the request's event loop, without blocking.
 */
final class AdminStatus {
    /** The endpoints, each one path word under {@code /v1/admin/}, all {@code GET}. */
    static final Set<String> PATHS = Set.of("stats", "config", "tunnels", "bridges");
    /** What a secret's value is replaced with in {@code GET /v1/admin/config}. */
    static final String MASK = "********";
    /**
     * Field names whose text values are secrets: API keys, HMAC and session secrets, passwords, tokens, the values
     * of the headers hooks add to their requests (shared secrets, {@code Authorization}). A key's
     * file path ({@code tls.key}) is a path, not a secret, and public keys are public: both are shown.
     */
    private static final Pattern SECRET = Pattern.compile(
            "(?i)key|api-?keys|.*secret.*|.*password.*|.*passphrase.*|.*token.*|headers");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServices server;

    AdminStatus(HttpServices server) {
        this.server = server;
    }

    void handle(ChannelHandlerContext ctx, boolean keepAlive, String what) {
        FullHttpResponse response = switch (what) {
            case "stats" -> json(this::stats);
            case "config" -> json(g -> config(g, server.config()));
            case "tunnels" -> json(this::tunnels);
            default -> json(this::bridges);
        };
        HttpResponses.send(ctx, keepAlive, response);
    }

    // ------------------------------------------------------------ stats

    private void stats(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("node", server.connections().node());
        g.writeNumberField("connections", server.connections().size());
        g.writeNumberField("subscriptions", server.hub().subscriptions());
        g.writeNumberField("publications", server.hub().publications());
        g.writeNumberField("deliveries", server.hub().deliveries());
        g.writeNumberField("rpcCalls", sum("ferry.rpc.calls", Statistic.COUNT, null));
        g.writeNumberField("rpcErrors", sum("ferry.rpc.duration", Statistic.COUNT, "result"));
        g.writeNumberField("rpcPending", sum("ferry.rpc.pending", Statistic.VALUE, null));
        g.writeNumberField("slowConsumerCloses", sum("ferry.slow.consumer.closes", Statistic.COUNT, null));
        long open = 0;
        for (TunnelStats t : server.tunnels().stats()) {
            open += t.open();
        }
        g.writeNumberField("tunnelsOpen", open);
        g.writeNumberField("bytesIn", sum("ferry.bytes", Statistic.COUNT, null, "in"));
        g.writeNumberField("bytesOut", sum("ferry.bytes", Statistic.COUNT, null, "out"));
        g.writeEndObject();
    }

    /**
     * The sum of {@code statistic} over the meters named {@code name}, leaving out those whose {@code outcome} tag
     * is {@code exceptOutcome} (so that the RPC timers give the failed calls).
     */
    private long sum(String name, Statistic statistic, String exceptOutcome) {
        return sum(name, statistic, exceptOutcome, null);
    }

    private long sum(String name, Statistic statistic, String exceptOutcome, String direction) {
        Collection<Meter> meters = server.meters().find(name).meters();
        double total = 0;
        for (Meter m : meters) {
            if (exceptOutcome != null && exceptOutcome.equals(m.getId().getTag("outcome"))) {
                continue;
            }
            if (direction != null && !direction.equals(m.getId().getTag("direction"))) {
                continue;
            }
            for (Measurement x : m.measure()) {
                if (x.getStatistic() == statistic && Double.isFinite(x.getValue())) {
                    total += x.getValue();
                }
            }
        }
        return Math.round(total);
    }

    // ------------------------------------------------------------ config

    /** The configuration's sections as objects, fields in kebab case, secrets masked. */
    static void config(JsonGenerator g, FerryConfig config) throws IOException {
        value(g, config, false);
    }

    private static void value(JsonGenerator g, Object v, boolean secret) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof Record r) {
            g.writeStartObject();
            for (RecordComponent c : r.getClass().getRecordComponents()) {
                String name = kebab(c.getName());
                Object x;
                try {
                    x = c.getAccessor().invoke(r);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot read " + name + " of " + r.getClass().getSimpleName(), e);
                }
                g.writeFieldName(name);
                value(g, x, SECRET.matcher(name).matches() && !name.startsWith("public"));
            }
            g.writeEndObject();
        } else if (v instanceof List<?> list) {
            g.writeStartArray();
            for (Object x : list) {
                value(g, x, secret);
            }
            g.writeEndArray();
        } else if (v instanceof Map<?, ?> map) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                value(g, e.getValue(), secret);
            }
            g.writeEndObject();
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Integer || v instanceof Long) {
            g.writeNumber(((Number) v).longValue());
        } else if (v instanceof Number n) {
            g.writeNumber(n.doubleValue());
        } else if (v instanceof Duration d) {
            g.writeString(Durations.format(d));
        } else if (v instanceof Enum<?> e) {
            g.writeString(e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        } else if (v instanceof CharSequence) {
            String s = v.toString();
            g.writeString(secret && !s.isEmpty() ? MASK : withoutPassword(s));
        } else if (v instanceof Path || v instanceof URI) {
            g.writeString(withoutPassword(v.toString()));
        } else {
            // A value of no plain kind (a parsed schema, say) is named, not dumped: it may be large.
            g.writeString("(" + v.getClass().getSimpleName() + ")");
        }
    }

    /** A URL's password replaced with the mask ({@code amqp://user:********@host}); other text as it is. */
    static String withoutPassword(String s) {
        int scheme = s.indexOf("://");
        if (scheme < 0) {
            return s;
        }
        int end = s.indexOf('/', scheme + 3);
        int at = s.lastIndexOf('@', end < 0 ? s.length() : end);
        if (at < scheme) {
            return s;
        }
        int colon = s.indexOf(':', scheme + 3);
        return colon < 0 || colon > at ? s : s.substring(0, colon + 1) + MASK + s.substring(at);
    }

    /** {@code maxMessageBytes} as {@code max-message-bytes}, as the configuration keys are spelt. */
    static String kebab(String camel) {
        StringBuilder b = new StringBuilder(camel.length() + 4);
        for (int i = 0; i < camel.length(); i++) {
            char c = camel.charAt(i);
            if (Character.isUpperCase(c)) {
                b.append('-').append(Character.toLowerCase(c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    // ------------------------------------------------------------ tunnels and bridges

    private void tunnels(JsonGenerator g) throws IOException {
        List<TunnelStats> stats = server.tunnels().stats();
        g.writeStartObject();
        g.writeArrayFieldStart("tunnels");
        for (TunnelRoute r : server.tunnels().config().routes()) {
            g.writeStartObject();
            g.writeStringField("name", r.name());
            g.writeStringField("kind", r.kind() == TunnelRoute.Kind.AMQP ? "amqp" : "tcp");
            g.writeStringField("path", r.path());
            g.writeStringField("upstream", r.upstreamHost() + ":" + r.upstreamPort());
            g.writeBooleanField("tls", r.tls());
            g.writeStringField("auth", r.authRequired() ? "required" : "none");
            g.writeNumberField("maxConnections", r.maxConnections());
            for (TunnelStats s : stats) {
                if (s.path().equals(r.path())) {
                    g.writeNumberField("open", s.open());
                    g.writeNumberField("accepted", s.accepted());
                    g.writeNumberField("refused", s.refused());
                    g.writeNumberField("bytesFromWebSocket", s.bytesFromWebSocket());
                    g.writeNumberField("bytesToWebSocket", s.bytesToWebSocket());
                    g.writeNumberField("bytesInFlight", s.bytesInFlight());
                }
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private void bridges(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeArrayFieldStart("bridges");
        for (FerryExtension e : server.runningExtensions()) {
            for (BridgeStatus b : e.bridges()) {
                g.writeStartObject();
                g.writeStringField("extension", b.extension());
                g.writeStringField("name", b.name());
                g.writeStringField("state", b.state());
                for (Map.Entry<String, Object> d : b.details().entrySet()) {
                    g.writeFieldName(d.getKey());
                    value(g, d.getValue(), false);
                }
                g.writeEndObject();
            }
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    // ------------------------------------------------------------ plumbing

    private interface JsonWriter {
        void write(JsonGenerator g) throws IOException;
    }

    private static FullHttpResponse json(JsonWriter body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HttpResponses.json(HttpResponseStatus.OK, out.toByteArray());
    }
}
