package dev.ferry.rabbitmq;

import dev.ferry.server.config.ConfigException;
import dev.ferry.server.config.Durations;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
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

    /** Every key, as docs/configuration.md lists them; {@code <name>} is the bridge's name. */
    public static final List<String> KEYS = List.of(
            "rabbitmq.uri", "rabbitmq.node-id", "rabbitmq.reconnect-delay", "rabbitmq.outbound-queue-bytes",
            "rabbitmq.bridges.<name>.exchange", "rabbitmq.bridges.<name>.direction",
            "rabbitmq.bridges.<name>.patterns", "rabbitmq.bridges.<name>.topic-prefix",
            "rabbitmq.bridges.<name>.bind", "rabbitmq.bridges.<name>.queue", "rabbitmq.bridges.<name>.durable",
            "rabbitmq.bridges.<name>.prefetch");

    private static final List<String> BRIDGE_KEYS = List.of("exchange", "direction", "patterns", "topic-prefix", "bind",
            "queue", "durable", "prefetch");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB)?");
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
        Map<String, Map<String, String>> bridgeKeys = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : settings.entrySet()) {
            String key = e.getKey();
            if (key.startsWith(BRIDGES)) {
                String rest = key.substring(BRIDGES.length());
                int dot = rest.indexOf('.');
                String name = dot < 0 ? rest : rest.substring(0, dot);
                String field = dot < 0 ? "" : rest.substring(dot + 1);
                if (!NAME.matcher(name).matches()) {
                    throw new ConfigException(key + ": bad bridge name \"" + name + "\" (expected: letters, digits, - or _)");
                }
                if (!BRIDGE_KEYS.contains(field)) {
                    throw new ConfigException("unknown configuration key \"" + key + "\"; known keys: "
                            + String.join(", ", KEYS));
                }
                bridgeKeys.computeIfAbsent(name, n -> new LinkedHashMap<>()).put(field, e.getValue());
            } else if (!KEYS.contains(key)) {
                throw new ConfigException("unknown configuration key \"" + key + "\"; known keys: " + String.join(", ", KEYS));
            }
        }
        List<BridgeConfig> bridges = new ArrayList<>();
        bridgeKeys.forEach((name, b) -> bridges.add(bridge(name, b)));
        String uri = settings.getOrDefault("rabbitmq.uri", DEFAULT_URI.toString()).trim();
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (java.net.URISyntaxException ex) {
            throw new ConfigException("rabbitmq.uri: \"" + uri + "\" (" + ex.getMessage() + ")");
        }
        String reconnect = settings.get("rabbitmq.reconnect-delay");
        return new RabbitConfig(parsed,
                settings.getOrDefault("rabbitmq.node-id", randomNodeId()).trim(),
                reconnect == null ? DEFAULT_RECONNECT_DELAY : Durations.parse("rabbitmq.reconnect-delay", reconnect),
                size("rabbitmq.outbound-queue-bytes", settings.get("rabbitmq.outbound-queue-bytes"), DEFAULT_OUTBOUND_QUEUE_BYTES),
                bridges);
    }

    private static BridgeConfig bridge(String name, Map<String, String> b) {
        String k = BRIDGES + name + ".";
        String direction = b.get("direction");
        String bind = b.get("bind");
        return new BridgeConfig(name,
                blankToNull(b.get("exchange")),
                direction == null ? null : enumValue(k + "direction", direction, Direction.class, "in, out or both"),
                b.getOrDefault("topic-prefix", "").trim(),
                list(b.get("patterns")),
                bind == null ? BindMode.INTEREST : enumValue(k + "bind", bind, BindMode.class, "interest or fixed"),
                b.getOrDefault("queue", "").trim(),
                bool(k + "durable", b.get("durable"), false),
                integer(k + "prefetch", b.get("prefetch"), DEFAULT_PREFETCH));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static <E extends Enum<E>> E enumValue(String key, String v, Class<E> type, String expected) {
        try {
            return Enum.valueOf(type, v.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key + ": \"" + v + "\" (expected: " + expected + ")");
        }
    }

    private static List<String> list(String v) {
        List<String> out = new ArrayList<>();
        if (v != null) {
            for (String s : v.split(",")) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
        }
        return out;
    }

    private static boolean bool(String key, String v, boolean def) {
        if (v == null) {
            return def;
        }
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new ConfigException(key + ": \"" + v + "\" (expected: true or false)");
        };
    }

    private static int integer(String key, String v, int def) {
        if (v == null) {
            return def;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key + ": \"" + v + "\" (expected: an integer)");
        }
    }

    private static int size(String key, String v, int def) {
        if (v == null) {
            return def;
        }
        Matcher m = SIZE.matcher(v.trim());
        if (!m.matches()) {
            throw new ConfigException(key + ": \"" + v + "\" (expected: a size in bytes such as 1048576, 512KiB, 16MiB)");
        }
        long n = Long.parseLong(m.group(1));
        long bytes = switch (m.group(2) == null ? "B" : m.group(2)) {
            case "KiB" -> n << 10;
            case "MiB" -> n << 20;
            case "GiB" -> n << 30;
            default -> n;
        };
        if (bytes > Integer.MAX_VALUE) {
            throw new ConfigException(key + ": \"" + v + "\" (expected: at most 2GiB - 1)");
        }
        return (int) bytes;
    }
}
