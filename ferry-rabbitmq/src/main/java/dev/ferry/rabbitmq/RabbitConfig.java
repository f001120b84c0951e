package dev.ferry.rabbitmq;

import dev.ferry.server.config.ConfigException;
import dev.ferry.server.config.ConfigLoader;
import dev.ferry.server.config.ConfigSchema;
import dev.ferry.server.config.ConfigSection;
import dev.ferry.server.config.Settings;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The {@code rabbitmq.*} configuration section.
 *
 * @param uri                the broker, {@code amqp://user:password@host:port/vhost} (or {@code amqps://})
 * @param nodeId             this server's name in the {@code x-ferry-origin} header of what it publishes; a
 *                           message carrying it is never bridged back in
 * @param reconnectDelay     first wait before reconnecting after the connection is lost; doubles up to 30s
 * @param outboundQueueBytes bytes of Ferry publications waiting to go out before new ones are dropped
 * @param bridges            the bridges, by name
 */
public record RabbitConfig(URI uri, String nodeId, Duration reconnectDelay, int outboundQueueBytes,
                           List<BridgeConfig> bridges) {
    public static final String SECTION = "rabbitmq";
    static final String BRIDGES = "rabbitmq.bridges.";
    public static final URI DEFAULT_URI = URI.create("amqp://guest:guest@127.0.0.1:5672/%2F");
    public static final Duration DEFAULT_RECONNECT_DELAY = Duration.ofSeconds(1);
    public static final int DEFAULT_OUTBOUND_QUEUE_BYTES = 16 << 20;
    public static final int DEFAULT_PREFETCH = 256;

    /** The section's keys, declared once: docs/configuration.md's {@code rabbitmq} table is generated from them. */
    public static final ConfigSchema SCHEMA = ConfigSchema.builder()
            .table("rabbitmq")
            .string("rabbitmq.uri", "amqp://guest:guest@127.0.0.1:5672/%2F", null,
                    "the broker (`amqp://` or `amqps://`, user, password, host, port, URL-encoded vhost)")
            .string("rabbitmq.node-id", null, "`ferry-` + 12 random hex digits",
                    "this server's name in the `x-ferry-origin` header of what it publishes; a message carrying it is not bridged back in. Unique per server")
            .duration("rabbitmq.reconnect-delay", "1s", null,
                    "first wait before reconnecting after the connection is lost or cannot be set up; doubles up to 30s, back to this after a success")
            .size("rabbitmq.outbound-queue-bytes", "16MiB", null,
                    "Ferry publications waiting to be published to RabbitMQ; past it new ones are dropped (counted, logged)").min(1)
            .string("rabbitmq.bridges.<name>.exchange", null, "required",
                    "the exchange; it must exist (the bridge checks, and does not declare it)")
            .choice("rabbitmq.bridges.<name>.direction", List.of("in", "out", "both"), null, "required",
                    "`in` (exchange → Ferry), `out` (Ferry → exchange) or `both`")
            .list("rabbitmq.bridges.<name>.patterns", null, "required",
                    "routing-key patterns (AMQP topic syntax: `*` one word, `#` zero or more), e.g. `v02.post.#`: what may be bound inbound, what is carried outbound")
            .string("rabbitmq.bridges.<name>.topic-prefix", null, null,
                    "topic words put before a routing key to make the Ferry topic (`obs` + `v02.post.x` = `obs.v02.post.x`), and taken off a topic to make the routing key")
            .choice("rabbitmq.bridges.<name>.bind", List.of("interest", "fixed"), "interest", null,
                    "`interest`: bind only what Ferry clients subscribe to, reference-counted; `fixed`: bind every pattern for as long as the bridge runs")
            .string("rabbitmq.bridges.<name>.queue", null, "none (server-named)",
                    "inbound queue name; without one, a server-named exclusive auto-delete queue. A named queue is exclusive and auto-delete too unless `durable`")
            .bool("rabbitmq.bridges.<name>.durable", "false", null,
                    "make the named queue durable, shared and kept (messages wait in it while Ferry is down); needs `queue` and `bind: fixed`")
            .integer("rabbitmq.bridges.<name>.prefetch", "256", null,
                    "inbound deliveries in flight (unacknowledged) at once, 1 to 65535").range(1, 65535)
            .build();

    /** The section as a configuration loader sees it. */
    public static final ConfigSection CONFIG_SECTION = new ConfigSection() {
        @Override
        public String section() {
            return SECTION;
        }

        @Override
        public ConfigSchema schema() {
            return SCHEMA;
        }
    };

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");

    public RabbitConfig {
        Objects.requireNonNull(uri, "uri");
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equals("amqp") || scheme.equals("amqps")) || uri.getHost() == null) {
            throw new ConfigException("rabbitmq.uri: \"" + uri + "\" (expected: amqp://user:password@host:port/vhost)");
        }
        if (nodeId == null || nodeId.isBlank()) {
            throw new ConfigException("rabbitmq.node-id: empty (expected: a name unique among the servers sharing the broker)");
        }
        if (reconnectDelay == null || reconnectDelay.isNegative() || reconnectDelay.isZero()) {
            throw new ConfigException("rabbitmq.reconnect-delay: " + reconnectDelay + " (expected: a positive duration)");
        }
        if (outboundQueueBytes <= 0) {
            throw new ConfigException("rabbitmq.outbound-queue-bytes: " + outboundQueueBytes + " (expected: > 0)");
        }
        if (bridges == null || bridges.isEmpty()) {
            throw new ConfigException("rabbitmq.bridges: missing (expected: at least one bridge, "
                    + "rabbitmq.bridges.<name>.exchange and so on)");
        }
        bridges = List.copyOf(bridges);
    }

    /** A fresh node id: {@code ferry-} and 12 random hex digits. */
    public static String randomNodeId() {
        byte[] b = new byte[6];
        ThreadLocalRandom.current().nextBytes(b);
        return "ferry-" + HexFormat.of().formatHex(b);
    }

    /** Parses the section's keys (full names, e.g. {@code rabbitmq.uri}); the exception names the bad key. */
    public static RabbitConfig parse(Map<String, String> settings) {
        ConfigLoader loader = new ConfigLoader().sections(List.of(CONFIG_SECTION));
        settings.forEach(loader::set);
        return parse(loader.section(CONFIG_SECTION).orElseGet(() -> new Settings(SCHEMA, Map.of())));
    }

    /** Reads the section's keys, declared in {@link #SCHEMA}; the exception names the bad key. */
    public static RabbitConfig parse(Settings settings) {
        List<BridgeConfig> bridges = new ArrayList<>();
        for (String name : settings.names(BRIDGES)) {
            if (!NAME.matcher(name).matches()) {
                throw new ConfigException(BRIDGES + name + ": bad bridge name \"" + name
                        + "\" (expected: letters, digits, - or _)");
            }
            bridges.add(bridge(name, settings));
        }
        String uri = settings.string("rabbitmq.uri").trim();
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (java.net.URISyntaxException ex) {
            throw new ConfigException("rabbitmq.uri: \"" + uri + "\" (" + ex.getMessage() + ")");
        }
        String nodeId = settings.string("rabbitmq.node-id");
        return new RabbitConfig(parsed,
                nodeId == null ? randomNodeId() : nodeId.trim(),
                settings.duration("rabbitmq.reconnect-delay"),
                settings.size("rabbitmq.outbound-queue-bytes"),
                bridges);
    }

    private static BridgeConfig bridge(String name, Settings s) {
        String k = BRIDGES + name + ".";
        String direction = s.choice(k + "direction");
        return new BridgeConfig(name,
                blankToNull(s.string(k + "exchange")),
                direction == null ? null : Direction.valueOf(direction.toUpperCase(Locale.ROOT)),
                blankToNull(s.string(k + "topic-prefix")) == null ? "" : s.string(k + "topic-prefix").trim(),
                s.list(k + "patterns"),
                BindMode.valueOf(s.choice(k + "bind").toUpperCase(Locale.ROOT)),
                blankToNull(s.string(k + "queue")) == null ? "" : s.string(k + "queue").trim(),
                s.bool(k + "durable"),
                s.integer(k + "prefetch"));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
