package dev.ferry.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ferry.server.extension.ExtensionProvider;
import dev.ferry.server.extension.FerryExtension;
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
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a {@link FerryConfig} from, in increasing precedence: the defaults, a YAML file, environment variables
 * ({@code FERRY_} + the key upper-cased with {@code .} and {@code -} turned into {@code _}, e.g.
 * {@code FERRY_WEBSOCKET_MAX_MESSAGE_BYTES}), and explicit settings ({@code key=value} from the command line).
 * Unknown keys are errors, so a typo never passes silently.
 *
 * <p>Keys under the section of an {@link ExtensionProvider} on the class path (found with
 * {@link ServiceLoader}, e.g. {@code rabbitmq.*}) are the provider's to validate: {@link #extensions()} hands
 * them over and returns the extensions whose section is present. Those keys come from the YAML file and explicit
 * settings only, not from the environment.
 */
public final class ConfigLoader {
    /** Every key, in the order docs/configuration.md lists them. */
    public static final List<String> KEYS = List.of(
            "server.host", "server.port", "server.io-threads", "server.native-transport", "server.shutdown-grace",
            "websocket.max-message-bytes", "websocket.handshake-timeout", "websocket.ping-interval",
            "websocket.idle-timeout", "websocket.max-subscriptions", "websocket.outbound-queue-bytes",
            "websocket.fragment-timeout",
            "rpc.default-timeout", "rpc.max-timeout", "rpc.routing",
            "http.api-keys", "http.max-body-bytes",
            "history.size", "history.ttl", "history.max-recovery", "history.lossy-topics",
            "web.allowed-origins", "web.cors-origins",
            "tls.cert", "tls.key", "tls.redirect-http", "tls.reload-interval",
            "tls.hsts.max-age", "tls.hsts.include-subdomains",
            "tunnel.max-frame-bytes", "tunnel.idle-ping", "tunnel.connect-timeout",
            "engine", "redis.uri", "redis.prefix", "redis.timeout",
            "publish.dedup-window", "publish.dedup-max-ids",
            "sse.heartbeat-interval", "sse.max-topics", "sse.outbound-queue-bytes", "sse.session-timeout",
            "auth.anonymous", "auth.cookie", "auth.query-param", "auth.clock-skew", "auth.grants-claim", "auth.rules",
            "limits.publish-rate", "limits.publish-burst", "limits.call-rate", "limits.call-burst",
            "limits.max-pending-calls", "limits.connections-per-ip", "limits.max-connections",
            "limits.message-rate", "limits.message-burst",
            "limits.max-topics", "limits.message-excess", "limits.reassembly-bytes",
            "session.ttl", "session.secret", "session.cookie",
            "presence.expiry",
            "state.max-document-bytes", "state.create-on-write");


    /**
     * Keys of named sections, {@code <name>} standing for a route name (lower-case letters, digits, {@code -}).
     * In environment variables the name is upper-cased with {@code -} turned into {@code _}
     * ({@code FERRY_TUNNEL_ROUTES_RABBIT_EU_UPSTREAM} sets {@code tunnel.routes.rabbit-eu.upstream}).
     */
    public static final List<String> NAMED_KEYS = List.of(
            "amqp.routes.<name>.path", "amqp.routes.<name>.upstream", "amqp.routes.<name>.tls",
            "amqp.routes.<name>.max-connections", "amqp.routes.<name>.auth",
            "tunnel.routes.<name>.upstream", "tunnel.routes.<name>.tls", "tunnel.routes.<name>.max-connections",
            "tunnel.routes.<name>.auth",
            "auth.issuers.<name>.issuer", "auth.issuers.<name>.secret", "auth.issuers.<name>.public-keys",
            "auth.issuers.<name>.jwks-file", "auth.issuers.<name>.jwks-url", "auth.issuers.<name>.jwks-refresh",
            "auth.issuers.<name>.audience",
            "http.api-keys.<name>.key", "http.api-keys.<name>.allow",
            "history.rules.<name>.pattern", "history.rules.<name>.size", "history.rules.<name>.ttl",
            "presence.rules.<name>.pattern", "presence.rules.<name>.enabled", "presence.rules.<name>.max-entries",
            "presence.rules.<name>.coalesce", "presence.rules.<name>.max-info-bytes", "presence.rules.<name>.max-diff",
            "state.channels.<name>.pattern", "state.channels.<name>.max-document-bytes");

    /** Named sections that build lists of records: issuers and named API keys. */
    private static final Pattern NAMED_SECTION =
            Pattern.compile("(auth\\.issuers|http\\.api-keys)\\.([^.]+)\\.([a-z-]+)");

    private static final List<Pattern> NAMED_KEY_PATTERNS = NAMED_KEYS.stream()
            .map(k -> Pattern.compile(Pattern.quote(k).replace("<name>", "\\E([^.]+)\\Q")))
            .toList();
    private static final List<Pattern> NAMED_ENV_PATTERNS = NAMED_KEYS.stream()
            .map(k -> Pattern.compile(Pattern.quote(envName(k)).replace("<NAME>", "\\E([A-Z0-9_]+)\\Q")))
            .toList();

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB)?");

    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, String> origin = new LinkedHashMap<>();
    private List<ExtensionProvider> providers;

    /** Uses these extension providers instead of those found with {@link ServiceLoader}. */
    public ConfigLoader providers(List<ExtensionProvider> providers) {
        this.providers = List.copyOf(providers);
        return this;
    }

    private List<ExtensionProvider> providers() {
        if (providers == null) {
            List<ExtensionProvider> found = new ArrayList<>();
            ServiceLoader.load(ExtensionProvider.class, ConfigLoader.class.getClassLoader()).forEach(found::add);
            providers = List.copyOf(found);
        }
        return providers;
    }

    private static boolean inSection(String key, ExtensionProvider p) {
        return key.startsWith(p.section() + ".");
    }

    /**
     * Creates the extension of every provider with at least one key set, in provider order; a
     * {@link ConfigException} names the bad key. The extensions are not started: register them on the server
     * builder.
     */
    public List<FerryExtension> extensions() {
        List<FerryExtension> out = new ArrayList<>();
        for (ExtensionProvider p : providers()) {
            Map<String, String> section = new TreeMap<>();
            values.forEach((k, v) -> {
                if (inSection(k, p)) {
                    section.put(k, v);
                }
            });
            if (!section.isEmpty()) {
                out.add(p.create(section));
            }
        }
        return out;
    }

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
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            for (int i = 0; i < NAMED_KEYS.size(); i++) {
                Matcher m = NAMED_ENV_PATTERNS.get(i).matcher(e.getKey());
                if (m.matches()) {
                    String name = m.group(1).toLowerCase(Locale.ROOT).replace('_', '-');
                    set(NAMED_KEYS.get(i).replace("<name>", name), e.getValue(), "environment variable " + e.getKey());
                    break;
                }
            }
        }
        return this;
    }

    /** Whether {@code key} is one of {@link #KEYS} or matches one of {@link #NAMED_KEYS}. */
    public static boolean isKnown(String key) {
        return KEYS.contains(key) || NAMED_KEY_PATTERNS.stream().anyMatch(p -> p.matcher(key).matches());
    }

    /** Applies one {@code key=value} setting. */
    public ConfigLoader set(String key, String value) {
        return set(key, value, "setting");
    }

    /** Applies one {@code key=value} setting; {@code source} names where it came from in error messages. */
    public ConfigLoader set(String key, String value, String source) {
        values.put(key, value);
        origin.put(key, source);
        return this;
    }

    /**
     * Applies {@code key=value} only when nothing given so far (file, environment, settings) set the key: a layer
     * of defaults under the user's own configuration. {@code source} names it in error messages.
     */
    public ConfigLoader setIfAbsent(String key, String value, String source) {
        if (!values.containsKey(key)) {
            set(key, value, source);
        }
        return this;
    }

    /** The value given so far for {@code key} (file, environment or setting), or null when none was. */
    public String value(String key) {
        return values.get(key);
    }

    public FerryConfig load() {
        TreeSet<String> unknown = new TreeSet<>(values.keySet());
        unknown.removeIf(ConfigLoader::isKnown);
        unknown.removeIf(k -> providers().stream().anyMatch(p -> inSection(k, p)));
        if (!unknown.isEmpty()) {
            String k = unknown.first();
            List<String> known = new ArrayList<>(KEYS);
            providers().forEach(p -> known.addAll(p.keys()));
            throw new ConfigException("unknown configuration key \"" + k + "\" (from " + origin.get(k)
                    + "); known keys: " + String.join(", ", known) + ", " + String.join(", ", NAMED_KEYS));
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
                size("websocket.outbound-queue-bytes", d.websocket().outboundQueueBytes()),
                duration("websocket.fragment-timeout", d.websocket().fragmentTimeout()));
        RpcConfig rpc = new RpcConfig(
                duration("rpc.default-timeout", d.rpc().defaultTimeout()),
                duration("rpc.max-timeout", d.rpc().maxTimeout()),
                RpcConfig.Routing.parse(str("rpc.routing", d.rpc().routing().wire())));
        HttpConfig http = new HttpConfig(
                list("http.api-keys", d.http().apiKeys()),
                size("http.max-body-bytes", d.http().maxBodyBytes()));
        int historySize = integer("history.size", d.history().size());
        Duration historyTtl = duration("history.ttl", d.history().ttl());
        HistoryConfig history = new HistoryConfig(historySize, historyTtl,
                integer("history.max-recovery", d.history().maxRecovery()),
                list("history.lossy-topics", d.history().lossyTopics()),
                historyRules(historySize, historyTtl));
        WebConfig web = new WebConfig(
                list("web.allowed-origins", d.web().allowedOrigins()),
                list("web.cors-origins", d.web().corsOrigins()));
        TlsConfig tls = new TlsConfig(
                path("tls.cert"),
                path("tls.key"),
                bool("tls.redirect-http", d.tls().redirectHttp()),
                duration("tls.reload-interval", d.tls().reloadInterval()),
                hsts());
        TunnelConfig tunnel = new TunnelConfig(
                routes(),
                size("tunnel.max-frame-bytes", d.tunnel().maxFrameBytes()),
                duration("tunnel.idle-ping", d.tunnel().idlePing()),
                duration("tunnel.connect-timeout", d.tunnel().connectTimeout()));
        EngineConfig engine = new EngineConfig(
                str("engine", d.engine().engine()).trim(),
                str("redis.uri", d.engine().redisUri()).trim(),
                str("redis.prefix", d.engine().redisPrefix()).trim(),
                duration("redis.timeout", d.engine().redisTimeout()),
                duration("publish.dedup-window", d.engine().dedupWindow()),
                integer("publish.dedup-max-ids", d.engine().dedupMaxIds()));
        SseConfig sse = new SseConfig(
                duration("sse.heartbeat-interval", d.sse().heartbeatInterval()),
                integer("sse.max-topics", d.sse().maxTopics()),
                size("sse.outbound-queue-bytes", d.sse().outboundQueueBytes()),
                duration("sse.session-timeout", d.sse().sessionTimeout()));
        Map<String, Map<String, String>> issuers = new TreeMap<>();
        Map<String, Map<String, String>> namedKeys = new TreeMap<>();
        for (String k : values.keySet()) {
            Matcher m = NAMED_SECTION.matcher(k);
            if (m.matches() && isKnown(k)) {
                (m.group(1).startsWith("auth") ? issuers : namedKeys)
                        .computeIfAbsent(m.group(2), x -> new LinkedHashMap<>()).put(m.group(3), k);
            }
        }
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
                integer("limits.connections-per-ip", d.limits().connectionsPerIp()),
                integer("limits.max-connections", d.limits().maxConnections()),
                integer("limits.message-rate", d.limits().messageRate()),
                integer("limits.message-burst", d.limits().messageBurst()),
                integer("limits.max-topics", d.limits().maxTopics()),
                integer("limits.message-excess", d.limits().messageExcess()),
                size("limits.reassembly-bytes", d.limits().reassemblyBytes()));
        SessionConfig session = new SessionConfig(
                duration("session.ttl", d.session().ttl()),
                str("session.secret", d.session().secret()),
                str("session.cookie", d.session().cookie()).trim());
        PresenceConfig presence = new PresenceConfig(presenceRules(),
                duration("presence.expiry", d.presence().expiry()));
        int maxDocumentBytes = size("state.max-document-bytes", d.state().maxDocumentBytes());
        StateConfig state = new StateConfig(maxDocumentBytes,
                bool("state.create-on-write", d.state().createOnWrite()), stateChannels(maxDocumentBytes));
        return new FerryConfig(server, ws, rpc, http, history, web, tls, tunnel, engine, sse, auth, limits, session,
                presence, state);
    }

    /** The names of the entries under {@code prefix} (such as {@code presence.rules.}) that known keys set, in order. */
    private TreeSet<String> namesUnder(String prefix) {
        TreeSet<String> names = new TreeSet<>();
        for (String key : values.keySet()) {
            if (key.startsWith(prefix) && isKnown(key)) {
                names.add(key.substring(prefix.length(), key.lastIndexOf('.')));
            }
        }
        return names;
    }

    /** The rules named by keys under {@code presence.rules.}, in name order. */
    private List<PresenceConfig.Rule> presenceRules() {
        List<PresenceConfig.Rule> rules = new ArrayList<>();
        for (String name : namesUnder("presence.rules.")) {
            String k = "presence.rules." + name + ".";
            rules.add(new PresenceConfig.Rule(name, values.get(k + "pattern"), bool(k + "enabled", true),
                    integer(k + "max-entries", PresenceConfig.DEFAULT_MAX_ENTRIES),
                    duration(k + "coalesce", PresenceConfig.DEFAULT_COALESCE),
                    size(k + "max-info-bytes", PresenceConfig.DEFAULT_MAX_INFO_BYTES),
                    integer(k + "max-diff", PresenceConfig.DEFAULT_MAX_DIFF)));
        }
        return rules;
    }

    /** The state channel rules named by keys under {@code state.channels.}, in name order. */
    private List<StateConfig.Channel> stateChannels(int defaultMaxBytes) {
        List<StateConfig.Channel> rules = new ArrayList<>();
        for (String name : namesUnder("state.channels.")) {
            String k = "state.channels." + name + ".";
            rules.add(new StateConfig.Channel(name, values.get(k + "pattern"), size(k + "max-document-bytes", defaultMaxBytes)));
        }
        return rules;
    }

    /** The rules named by keys under {@code history.rules.}, in name order. */
    private List<HistoryConfig.Rule> historyRules(int defaultSize, Duration defaultTtl) {
        TreeSet<String> names = namesUnder("history.rules.");
        List<HistoryConfig.Rule> rules = new ArrayList<>();
        for (String name : names) {
            String k = "history.rules." + name + ".";
            rules.add(new HistoryConfig.Rule(name, values.get(k + "pattern"), integer(k + "size", defaultSize),
                    duration(k + "ttl", defaultTtl)));
        }
        return rules;
    }

    private java.nio.file.Path path(String key) {
        String v = values.get(key);
        return v == null || v.isBlank() ? null : java.nio.file.Path.of(v.trim());
    }

    /** The routes named by keys under {@code amqp.routes.} and {@code tunnel.routes.}, in name order. */
    private List<TunnelRoute> routes() {
        List<TunnelRoute> out = new ArrayList<>();
        for (TunnelRoute.Kind kind : TunnelRoute.Kind.values()) {
            String prefix = kind.keyPrefix();
            TreeSet<String> names = new TreeSet<>();
            for (String key : values.keySet()) {
                if (key.startsWith(prefix) && isKnown(key)) {
                    names.add(key.substring(prefix.length(), key.lastIndexOf('.')));
                }
            }
            for (String name : names) {
                String upstreamKey = kind.key(name, "upstream");
                String upstream = values.get(upstreamKey);
                if (upstream == null) {
                    throw new ConfigException(upstreamKey + ": missing (expected: host:port of the upstream)");
                }
                Object[] hostPort = TunnelRoute.parseUpstream(upstreamKey, upstream);
                out.add(new TunnelRoute(kind, name,
                        kind == TunnelRoute.Kind.AMQP ? values.get(kind.key(name, "path")) : null,
                        (String) hostPort[0], (Integer) hostPort[1],
                        bool(kind.key(name, "tls"), false),
                        integer(kind.key(name, "max-connections"), TunnelRoute.DEFAULT_MAX_CONNECTIONS),
                        routeAuth(kind.key(name, "auth"))));
            }
        }
        return out;
    }

    /**
     * {@code <prefix>.auth}: {@code required} (true) or {@code none} (false). Unset, a route is guarded as soon as
     * the server has credentials to check (an issuer or an API key): a tunnel is never left open by omission.
     */
    private boolean routeAuth(String key) {
        String v = values.get(key);
        if (v == null) {
            return credentialsConfigured();
        }
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "required" -> true;
            case "none" -> false;
            default -> throw new ConfigException(key + ": \"" + v + "\" (expected: required or none)");
        };
    }

    /** Whether any issuer ({@code auth.issuers.*}) or API key ({@code http.api-keys}) is configured. */
    private boolean credentialsConfigured() {
        for (Map.Entry<String, String> e : values.entrySet()) {
            String k = e.getKey();
            if ((k.startsWith("auth.issuers.") || k.startsWith("http.api-keys")) && !e.getValue().isBlank()) {
                return true;
            }
        }
        return false;
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

    /** {@code tls.hsts.*}: a policy when {@code max-age} is set, else none. */
    private TlsConfig.Hsts hsts() {
        Duration maxAge = duration("tls.hsts.max-age", null);
        if (maxAge == null) {
            if (values.containsKey("tls.hsts.include-subdomains")) {
                throw new ConfigException("tls.hsts.include-subdomains: set without tls.hsts.max-age"
                        + " (expected: tls.hsts.max-age too, which turns the header on)");
            }
            return null;
        }
        return new TlsConfig.Hsts(maxAge, bool("tls.hsts.include-subdomains", false));
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
