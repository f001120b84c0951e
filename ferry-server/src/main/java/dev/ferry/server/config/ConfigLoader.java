package dev.ferry.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a {@link FerryConfig} from, in increasing precedence: the defaults, a YAML file, environment variables
 * ({@code FERRY_} + the key upper-cased with {@code .} and {@code -} turned into {@code _}, e.g.
 * {@code FERRY_WEBSOCKET_MAX_MESSAGE_BYTES}), and explicit settings ({@code key=value} from the command line).
 * Unknown keys are errors, so a typo never passes silently.
 */
public final class ConfigLoader {
    /** Every key, in the order docs/configuration.md lists them. */
    public static final List<String> KEYS = List.of(
            "server.host", "server.port", "server.io-threads", "server.native-transport", "server.shutdown-grace",
            "websocket.max-message-bytes", "websocket.handshake-timeout", "websocket.ping-interval",
            "websocket.idle-timeout", "websocket.max-subscriptions", "websocket.outbound-queue-bytes",
            "rpc.default-timeout", "rpc.max-timeout",
            "http.api-keys", "http.max-body-bytes",
            "history.size", "history.ttl", "history.max-recovery", "history.lossy-topics",
            "auth.anonymous", "auth.cookie", "auth.query-param", "auth.clock-skew", "auth.grants-claim", "auth.rules",
            "limits.publish-rate", "limits.publish-burst", "limits.call-rate", "limits.call-burst",
            "limits.max-pending-calls", "limits.connections-per-ip");

    /** Keys with a name chosen by the operator in place of {@code <name>} (letters, digits, _ and -). */
    public static final List<String> NAMED_KEYS = List.of(
            "auth.issuers.<name>.issuer", "auth.issuers.<name>.secret", "auth.issuers.<name>.public-keys",
            "auth.issuers.<name>.jwks-file", "auth.issuers.<name>.jwks-url", "auth.issuers.<name>.jwks-refresh",
            "auth.issuers.<name>.audience",
            "http.api-keys.<name>.key", "http.api-keys.<name>.allow");

    private static final Pattern NAMED = Pattern.compile("(auth\\.issuers|http\\.api-keys)\\.([A-Za-z0-9_-]{1,64})\\.([a-z-]+)");

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB)?");

    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, String> origin = new LinkedHashMap<>();

    /** The environment variable that overrides {@code key}. */
    public static String envName(String key) {
        return "FERRY_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** Reads a YAML file; its keys are nested maps ({@code websocket: {max-message-bytes: 2097152}}). */
    public ConfigLoader yaml(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return this;
        }
        if (!root.isObject()) {
            throw new ConfigException(file + ": expected a YAML mapping at the top level");
        }
        flatten("", root, file.toString());
        return this;
    }

    private void flatten(String prefix, JsonNode node, String source) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            JsonNode v = e.getValue();
            if (v.isObject()) {
                flatten(key, v, source);
            } else if (v.isArray()) {
                List<String> items = new ArrayList<>();
                v.forEach(item -> items.add(item.asText()));
                set(key, String.join(",", items), source);
            } else {
                set(key, v.isNull() ? "" : v.asText(), source);
            }
        }
    }

    /** Applies {@code FERRY_*} variables from an environment map (usually {@link System#getenv()}). */
    public ConfigLoader env(Map<String, String> env) {
        for (String key : KEYS) {
            String v = env.get(envName(key));
            if (v != null) {
                set(key, v, "environment variable " + envName(key));
            }
        }
        // Named keys: FERRY_AUTH_ISSUERS_MAIN_SECRET sets auth.issuers.main.secret (the name is lower-cased).
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(env).entrySet()) {
            for (String template : NAMED_KEYS) {
                String[] parts = template.split("<name>");
                String prefix = envName(parts[0].substring(0, parts[0].length() - 1)) + "_";
                String suffix = envName("x" + parts[1]).substring("FERRY_X".length());
                String var = e.getKey();
                if (var.startsWith(prefix) && var.endsWith(suffix) && var.length() > prefix.length() + suffix.length()) {
                    String name = var.substring(prefix.length(), var.length() - suffix.length()).toLowerCase(Locale.ROOT);
                    if (!name.contains("_")) {
                        set(parts[0] + name + parts[1], e.getValue(), "environment variable " + var);
                    }
                }
            }
        }
        return this;
    }

    /** Applies one {@code key=value} setting. */
    public ConfigLoader set(String key, String value) {
        return set(key, value, "setting");
    }

    private ConfigLoader set(String key, String value, String source) {
        values.put(key, value);
        origin.put(key, source);
        return this;
    }

    public FerryConfig load() {
        TreeSet<String> unknown = new TreeSet<>(values.keySet());
        KEYS.forEach(unknown::remove);
        Map<String, Map<String, String>> issuers = new java.util.TreeMap<>();
        Map<String, Map<String, String>> namedKeys = new java.util.TreeMap<>();
        for (String k : values.keySet()) {
            Matcher m = NAMED.matcher(k);
            if (m.matches() && NAMED_KEYS.contains(m.group(1) + ".<name>." + m.group(3))) {
                (m.group(1).startsWith("auth") ? issuers : namedKeys)
                        .computeIfAbsent(m.group(2), x -> new LinkedHashMap<>()).put(m.group(3), k);
                unknown.remove(k);
            }
        }
        if (!unknown.isEmpty()) {
            String k = unknown.first();
            throw new ConfigException("unknown configuration key \"" + k + "\" (from " + origin.get(k)
                    + "); known keys: " + String.join(", ", KEYS));
        }
        FerryConfig d = FerryConfig.DEFAULT;
        ServerConfig server = new ServerConfig(
                str("server.host", d.server().host()),
                integer("server.port", d.server().port()),
                integer("server.io-threads", d.server().ioThreads()),
                bool("server.native-transport", d.server().nativeTransport()),
                duration("server.shutdown-grace", d.server().shutdownGrace()));
        WebSocketConfig ws = new WebSocketConfig(
                size("websocket.max-message-bytes", d.websocket().maxMessageBytes()),
                duration("websocket.handshake-timeout", d.websocket().handshakeTimeout()),
                duration("websocket.ping-interval", d.websocket().pingInterval()),
                duration("websocket.idle-timeout", d.websocket().idleTimeout()),
                integer("websocket.max-subscriptions", d.websocket().maxSubscriptions()),
                size("websocket.outbound-queue-bytes", d.websocket().outboundQueueBytes()));
        RpcConfig rpc = new RpcConfig(
                duration("rpc.default-timeout", d.rpc().defaultTimeout()),
                duration("rpc.max-timeout", d.rpc().maxTimeout()));
        HttpConfig http = new HttpConfig(
                list("http.api-keys", d.http().apiKeys()),
                size("http.max-body-bytes", d.http().maxBodyBytes()));
        HistoryConfig history = new HistoryConfig(
                integer("history.size", d.history().size()),
                duration("history.ttl", d.history().ttl()),
                integer("history.max-recovery", d.history().maxRecovery()),
                list("history.lossy-topics", d.history().lossyTopics()));
        List<IssuerConfig> issuerConfigs = new ArrayList<>();
        issuers.forEach((name, keys) -> issuerConfigs.add(new IssuerConfig(name,
                values.get(keys.get("issuer")),
                values.get(keys.get("secret")),
                keys.containsKey("public-keys") ? list(keys.get("public-keys"), List.of()) : List.of(),
                values.get(keys.get("jwks-file")),
                values.get(keys.get("jwks-url")),
                keys.containsKey("jwks-refresh") ? duration(keys.get("jwks-refresh"), IssuerConfig.DEFAULT_JWKS_REFRESH)
                        : IssuerConfig.DEFAULT_JWKS_REFRESH,
                keys.containsKey("audience") ? list(keys.get("audience"), List.of()) : List.of())));
        AuthConfig auth = new AuthConfig(
                bool("auth.anonymous", d.auth().anonymous()),
                str("auth.cookie", d.auth().cookie()),
                bool("auth.query-param", d.auth().queryParam()),
                duration("auth.clock-skew", d.auth().clockSkew()),
                str("auth.grants-claim", d.auth().grantsClaim()),
                list("auth.rules", d.auth().rules()),
                issuerConfigs);
        List<ApiKeyConfig> apiKeys = new ArrayList<>();
        namedKeys.forEach((name, keys) -> apiKeys.add(new ApiKeyConfig(name, values.get(keys.get("key")),
                keys.containsKey("allow") ? list(keys.get("allow"), List.of()) : List.of())));
        if (!apiKeys.isEmpty()) {
            http = new HttpConfig(http.apiKeys(), http.maxBodyBytes(), apiKeys);
        }
        LimitsConfig limits = new LimitsConfig(
                integer("limits.publish-rate", d.limits().publishRate()),
                integer("limits.publish-burst", d.limits().publishBurst()),
                integer("limits.call-rate", d.limits().callRate()),
                integer("limits.call-burst", d.limits().callBurst()),
                integer("limits.max-pending-calls", d.limits().maxPendingCalls()),
                integer("limits.connections-per-ip", d.limits().connectionsPerIp()));
        return new FerryConfig(server, ws, rpc, http, history, auth, limits);
    }

    private String str(String key, String def) {
        return values.getOrDefault(key, def);
    }

    private int integer(String key, int def) {
        String v = values.get(key);
        if (v == null) {
            return def;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key + ": \"" + v + "\" (expected: an integer)");
        }
    }

    private boolean bool(String key, boolean def) {
        String v = values.get(key);
        if (v == null) {
            return def;
        }
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new ConfigException(key + ": \"" + v + "\" (expected: true or false)");
        };
    }

    private Duration duration(String key, Duration def) {
        String v = values.get(key);
        return v == null ? def : Durations.parse(key, v);
    }

    private int size(String key, int def) {
        String v = values.get(key);
        if (v == null) {
            return def;
        }
        Matcher m = SIZE.matcher(v.trim());
        if (!m.matches()) {
            throw new ConfigException(key + ": \"" + v + "\" (expected: a size in bytes such as 1048576, 512KiB, 1MiB)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2);
        long bytes = switch (unit) {
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

    private List<String> list(String key, List<String> def) {
        String v = values.get(key);
        if (v == null) {
            return def;
        }
        List<String> out = new ArrayList<>();
        for (String s : v.split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }
}
