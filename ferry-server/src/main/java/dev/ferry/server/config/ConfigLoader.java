package dev.ferry.server.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
 * <p>Every key is read by its declaration ({@link FerryKeys#SCHEMA}); an unknown key is answered with the closest
 * declared one. Keys under a {@link ConfigSection} given with {@link #sections} (an extension's, e.g.
 * {@code rabbitmq.*}) are accepted as that section declares them and handed over with {@link #section}. Those keys
 * come from the YAML file and explicit settings only, not from the environment.
 */
public final class ConfigLoader {
    /** Named sections that build lists of records: issuers and named API keys. */
    private static final Pattern NAMED_SECTION =
            Pattern.compile("(auth\\.issuers|http\\.api-keys)\\.([^.]+)\\.([a-z-]+)");

    /** The server's keys that hold {@code <name>}, with the pattern of their environment variables. */
    private static final List<ConfigKey> NAMED_KEYS = FerryKeys.SCHEMA.keys().stream().filter(ConfigKey::named).toList();
    private static final List<Pattern> NAMED_ENV_PATTERNS = NAMED_KEYS.stream()
            .map(k -> Pattern.compile(Pattern.quote(envName(k.name())).replace("<NAME>", "\\E([A-Z0-9_]+)\\Q")))
            .toList();

    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, String> origin = new LinkedHashMap<>();
    private List<ConfigSection> sections = List.of();
    private Settings settings;

    /** Accepts the keys of these sections besides the server's own; {@link #section} hands them over. */
    public ConfigLoader sections(List<? extends ConfigSection> sections) {
        this.sections = List.copyOf(sections);
        return this;
    }

    /** Every key this loader knows: the server's ({@link FerryKeys#SCHEMA}), then each section's. */
    public ConfigSchema schema() {
        ConfigSchema all = FerryKeys.SCHEMA;
        for (ConfigSection section : sections) {
            all = all.plus(section.schema());
        }
        return all;
    }

    private static boolean inSection(String key, ConfigSection s) {
        return key.startsWith(s.section() + ".");
    }

    /**
     * The keys given for {@code section}, read by its schema, or empty when none of them is set. A key of the
     * section that its schema does not declare is a {@link ConfigException}.
     */
    public Optional<Settings> section(ConfigSection section) {
        Map<String, String> given = new TreeMap<>();
        values.forEach((k, v) -> {
            if (inSection(k, section)) {
                given.put(k, v);
            }
        });
        if (given.isEmpty()) {
            return Optional.empty();
        }
        rejectUnknown(given.keySet(), section.schema());
        return Optional.of(new Settings(section.schema(), given));
    }

    /** The environment variable that overrides {@code key}. */
    public static String envName(String key) {
        return "FERRY_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /**
     * Reads a YAML file; its keys are nested maps ({@code websocket: {max-message-bytes: 2097152}}). A missing or
     * unreadable file, or one that is not YAML, is a one-line {@link ConfigException}: a syntax error gives the
     * line and column, never the file's text, which may hold secrets.
     */
    public ConfigLoader yaml(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new ConfigException("config file " + file + ": permission denied");
        } catch (IOException e) {
            throw new ConfigException("config file " + file + ": cannot be read ("
                    + (Files.isDirectory(file) ? "a directory" : e.getClass().getSimpleName()) + ")");
        }
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(bytes);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new ConfigException("config file " + file + ": not valid YAML"
                    + (at != null && at.getLineNr() > 0 ? " at line " + at.getLineNr() + ", column " + at.getColumnNr() : ""));
        } catch (IOException e) {
            throw new ConfigException("config file " + file + ": cannot be read (" + e.getClass().getSimpleName() + ")");
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

    /**
     * Applies {@code FERRY_*} variables from an environment map (usually {@link System#getenv()}): one per key of
     * the server and of the sections given to {@link #sections} before, and the server's named keys.
     */
    public ConfigLoader env(Map<String, String> env) {
        for (ConfigKey key : schema().keys()) {
            if (!key.named()) {
                String v = env.get(envName(key.name()));
                if (v != null) {
                    set(key.name(), v, "environment variable " + envName(key.name()));
                }
            }
        }
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            for (int i = 0; i < NAMED_KEYS.size(); i++) {
                Matcher m = NAMED_ENV_PATTERNS.get(i).matcher(e.getKey());
                if (m.matches()) {
                    String name = m.group(1).toLowerCase(Locale.ROOT).replace('_', '-');
                    set(NAMED_KEYS.get(i).name().replace(ConfigKey.NAME, name), e.getValue(),
                            "environment variable " + e.getKey());
                    break;
                }
            }
        }
        return this;
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

    /**
     * Throws for the first of {@code keys} (in name order) that {@code schema} does not declare, naming where it
     * came from and the closest declared key, if one is close enough to be what was meant.
     */
    private void rejectUnknown(Collection<String> keys, ConfigSchema schema) {
        for (String k : new TreeSet<>(keys)) {
            if (!schema.isKnown(k)) {
                String hint = schema.closest(k).map(c -> "; did you mean \"" + c + "\"?")
                        .orElse("; docs/configuration.md lists every key");
                throw new ConfigException("unknown configuration key \"" + k + "\" (from " + origin.get(k) + ")" + hint);
            }
        }
    }

    public FerryConfig load() {
        ConfigSchema all = schema();
        rejectUnknown(values.keySet(), all);
        Map<String, String> own = new LinkedHashMap<>(values);
        own.keySet().removeIf(k -> sections.stream().anyMatch(p -> inSection(k, p)));
        Settings s = new Settings(FerryKeys.SCHEMA, own);
        this.settings = s;
        ServerConfig server = new ServerConfig(
                s.string("server.host"),
                s.integer("server.port"),
                s.integer("server.io-threads"),
                s.bool("server.native-transport"),
                s.duration("server.shutdown-grace"));
        WebSocketConfig ws = new WebSocketConfig(
                s.size("websocket.max-message-bytes"),
                s.duration("websocket.handshake-timeout"),
                s.duration("websocket.ping-interval"),
                s.duration("websocket.idle-timeout"),
                s.integer("websocket.max-subscriptions"),
                s.size("websocket.outbound-queue-bytes"),
                s.duration("websocket.fragment-timeout"),
                new DeflateConfig(s.bool("websocket.deflate"), s.size("websocket.deflate-threshold-bytes"),
                        s.integer("websocket.deflate-level")));
        RpcConfig rpc = new RpcConfig(
                s.duration("rpc.default-timeout"),
                s.duration("rpc.max-timeout"),
                RpcConfig.Routing.parse(s.choice("rpc.routing")));
        HttpConfig http = new HttpConfig(s.list("http.api-keys"), s.size("http.max-body-bytes"));
        int historySize = s.integer("history.size");
        Duration historyTtl = s.duration("history.ttl");
        HistoryConfig history = new HistoryConfig(historySize, historyTtl,
                s.integer("history.max-recovery"),
                s.list("history.lossy-topics"),
                historyRules(historySize, historyTtl));
        WebConfig web = new WebConfig(s.list("web.allowed-origins"), s.list("web.cors-origins"));
        TlsConfig tls = new TlsConfig(
                s.path("tls.cert"),
                s.path("tls.key"),
                s.bool("tls.redirect-http"),
                s.duration("tls.reload-interval"),
                hsts(),
                TlsConfig.ClientAuth.parse(s.choice("tls.client-auth")),
                s.path("tls.client-ca"));
        TunnelConfig tunnel = new TunnelConfig(
                routes(),
                s.size("tunnel.max-frame-bytes"),
                s.duration("tunnel.idle-ping"),
                s.duration("tunnel.connect-timeout"));
        EngineConfig engine = new EngineConfig(
                s.choice("engine"),
                s.duration("publish.dedup-window"),
                s.integer("publish.dedup-max-ids"));
        SseConfig sse = new SseConfig(
                s.duration("sse.heartbeat-interval"),
                s.integer("sse.max-topics"),
                s.size("sse.outbound-queue-bytes"),
                s.duration("sse.session-timeout"));
        Map<String, Map<String, String>> issuers = new TreeMap<>();
        Map<String, Map<String, String>> namedKeys = new TreeMap<>();
        for (String k : own.keySet()) {
            Matcher m = NAMED_SECTION.matcher(k);
            if (m.matches()) {
                (m.group(1).startsWith("auth") ? issuers : namedKeys)
                        .computeIfAbsent(m.group(2), x -> new LinkedHashMap<>()).put(m.group(3), k);
            }
        }
        List<IssuerConfig> issuerConfigs = new ArrayList<>();
        issuers.forEach((name, keys) -> {
            String k = "auth.issuers." + name + ".";
            issuerConfigs.add(new IssuerConfig(name,
                    s.string(k + "issuer"),
                    s.string(k + "secret"),
                    s.list(k + "public-keys"),
                    s.string(k + "jwks-file"),
                    s.string(k + "jwks-url"),
                    s.duration(k + "jwks-refresh"),
                    s.list(k + "audience")));
        });
        AuthConfig auth = new AuthConfig(
                s.bool("auth.anonymous"),
                s.string("auth.cookie"),
                s.bool("auth.query-param"),
                s.duration("auth.clock-skew"),
                s.string("auth.grants-claim"),
                s.list("auth.rules"),
                issuerConfigs);
        List<ApiKeyConfig> apiKeys = new ArrayList<>();
        namedKeys.forEach((name, keys) -> apiKeys.add(new ApiKeyConfig(name, s.string("http.api-keys." + name + ".key"),
                s.list("http.api-keys." + name + ".allow"))));
        if (!apiKeys.isEmpty()) {
            http = new HttpConfig(http.apiKeys(), http.maxBodyBytes(), apiKeys);
        }
        LimitsConfig limits = new LimitsConfig(
                s.integer("limits.publish-rate"),
                s.integer("limits.publish-burst"),
                s.integer("limits.call-rate"),
                s.integer("limits.call-burst"),
                s.integer("limits.max-pending-calls"),
                s.integer("limits.connections-per-ip"),
                s.integer("limits.max-connections"),
                s.integer("limits.message-rate"),
                s.integer("limits.message-burst"),
                s.integer("limits.max-topics"),
                s.integer("limits.message-excess"),
                s.size("limits.reassembly-bytes"));
        SessionConfig session = new SessionConfig(
                s.duration("session.ttl"),
                s.string("session.secret"),
                s.string("session.cookie").trim());
        PresenceConfig presence = new PresenceConfig(presenceRules(), s.duration("presence.expiry"));
        int maxDocumentBytes = s.size("state.max-document-bytes");
        StateConfig state = new StateConfig(maxDocumentBytes, s.bool("state.create-on-write"),
                stateChannels(maxDocumentBytes));
        return new FerryConfig(server, ws, rpc, http, history, web, tls, tunnel, engine, sse, auth, limits, session,
                presence, state, new EventsConfig(eventClasses()), new WampConfig(wampRealms()), hooks(),
                new LogConfig(s.choice("log.format"), s.choice("log.level"), s.list("log.levels")));
    }

    /** The realms named by keys under {@code wamp.realms.}, in name order. */
    private List<WampConfig.Realm> wampRealms() {
        List<WampConfig.Realm> realms = new ArrayList<>();
        for (String name : settings.names("wamp.realms.")) {
            realms.add(new WampConfig.Realm(name, settings.string("wamp.realms." + name + ".topic-prefix")));
        }
        return realms;
    }

    /** The rules named by keys under {@code presence.rules.}, in name order. */
    private List<PresenceConfig.Rule> presenceRules() {
        List<PresenceConfig.Rule> rules = new ArrayList<>();
        for (String name : settings.names("presence.rules.")) {
            String k = "presence.rules." + name + ".";
            rules.add(new PresenceConfig.Rule(name, settings.string(k + "pattern"), settings.bool(k + "enabled"),
                    settings.integer(k + "max-entries"),
                    settings.duration(k + "coalesce"),
                    settings.size(k + "max-info-bytes"),
                    settings.integer(k + "max-diff")));
        }
        return rules;
    }

    /** The backend hooks under {@code hooks.} (docs/hooks.md). */
    private HooksConfig hooks() {
        Settings s = settings;
        List<HooksConfig.Rule> subscribe = new ArrayList<>();
        for (String name : s.names("hooks.subscribe.")) {
            String k = "hooks.subscribe." + name;
            subscribe.add(new HooksConfig.Rule(name, s.string(k + ".pattern"), hookEndpoint(k)));
        }
        List<HooksConfig.Rule> publish = new ArrayList<>();
        for (String name : s.names("hooks.publish.")) {
            String k = "hooks.publish." + name;
            publish.add(new HooksConfig.Rule(name, s.string(k + ".pattern"), hookEndpoint(k)));
        }
        return new HooksConfig(
                s.string("hooks.connect.url") == null ? null : hookEndpoint("hooks.connect"),
                s.list("hooks.connect.forward-headers"),
                s.string("hooks.refresh.url") == null ? null : hookEndpoint("hooks.refresh"),
                s.duration("hooks.refresh.retry"),
                subscribe, publish,
                s.integer("hooks.breaker.failures"),
                s.duration("hooks.breaker.cool-down"),
                s.size("hooks.max-response-bytes"),
                rpcHooks(), eventsOut());
    }

    /** The endpoint under {@code key} ({@code url}, {@code timeout}, {@code headers}, ...). */
    private HooksConfig.Endpoint hookEndpoint(String key) {
        Settings s = settings;
        String url = s.string(key + ".url");
        if (url == null) {
            throw new ConfigException(key + ".url: missing");
        }
        java.net.URI uri;
        try {
            uri = new java.net.URI(url.trim());
        } catch (java.net.URISyntaxException e) {
            throw new ConfigException(key + ".url: \"" + url + "\" (" + e.getReason() + ")");
        }
        return new HooksConfig.Endpoint(key, uri, s.duration(key + ".timeout"),
                HooksConfig.Endpoint.headers(key + ".headers", s.list(key + ".headers")),
                HooksConfig.FailurePolicy.parse(key + ".failure-policy", s.choice(key + ".failure-policy")),
                s.integer(key + ".max-concurrency"));
    }

    /** The rules named by keys under {@code hooks.rpc.}, in name order. */
    private List<RpcHookConfig> rpcHooks() {
        List<RpcHookConfig> rules = new ArrayList<>();
        for (String name : settings.names("hooks.rpc.")) {
            String k = "hooks.rpc." + name + ".";
            String url = settings.string(k + "url");
            if (url == null || url.isBlank()) {
                throw new ConfigException(k + "url: missing (expected: the http:// or https:// URL calls are POSTed to)");
            }
            rules.add(new RpcHookConfig(name, settings.string(k + "pattern"), HookUrls.parse(k + "url", url),
                    settings.duration(k + "timeout"), HooksConfig.Endpoint.headers(k + "headers", settings.list(k + "headers")),
                    settings.integer(k + "max-concurrency")));
        }
        return rules;
    }

    /** {@code hooks.events.*}. */
    private EventsOutConfig eventsOut() {
        Settings s = settings;
        return new EventsOutConfig(HookUrls.parse("hooks.events.url", s.string("hooks.events.url")),
                s.duration("hooks.events.timeout"),
                HooksConfig.Endpoint.headers("hooks.events.headers", s.list("hooks.events.headers")),
                s.integer("hooks.events.batch-size"),
                s.duration("hooks.events.flush-interval"),
                s.integer("hooks.events.queue-size"),
                java.util.Set.copyOf(s.list("hooks.events.kinds")),
                s.integer("hooks.events.max-retries"),
                s.duration("hooks.events.retry-backoff"));
    }

    /** The event classes named by keys under {@code events.}, in name order. */
    private List<EventsConfig.EventClass> eventClasses() {
        List<EventsConfig.EventClass> classes = new ArrayList<>();
        for (String name : settings.names("events.")) {
            String k = "events." + name + ".";
            classes.add(new EventsConfig.EventClass(name, settings.string(k + "pattern"), settings.path(k + "schema"),
                    settings.string(k + "description"), settings.list(k + "tags"), settings.string(k + "example")));
        }
        return classes;
    }

    /** The state channel rules named by keys under {@code state.channels.}, in name order. */
    private List<StateConfig.Channel> stateChannels(int defaultMaxBytes) {
        List<StateConfig.Channel> rules = new ArrayList<>();
        for (String name : settings.names("state.channels.")) {
            String k = "state.channels." + name + ".";
            rules.add(new StateConfig.Channel(name, settings.string(k + "pattern"),
                    settings.size(k + "max-document-bytes", defaultMaxBytes)));
        }
        return rules;
    }

    /** The rules named by keys under {@code history.rules.}, in name order. */
    private List<HistoryConfig.Rule> historyRules(int defaultSize, Duration defaultTtl) {
        List<HistoryConfig.Rule> rules = new ArrayList<>();
        for (String name : settings.names("history.rules.")) {
            String k = "history.rules." + name + ".";
            rules.add(new HistoryConfig.Rule(name, settings.string(k + "pattern"), settings.integer(k + "size", defaultSize),
                    settings.duration(k + "ttl", defaultTtl)));
        }
        return rules;
    }

    /** The routes named by keys under {@code amqp.routes.} and {@code tunnel.routes.}, in name order. */
    private List<TunnelRoute> routes() {
        List<TunnelRoute> out = new ArrayList<>();
        for (TunnelRoute.Kind kind : TunnelRoute.Kind.values()) {
            for (String name : settings.names(kind.keyPrefix())) {
                String upstreamKey = kind.key(name, "upstream");
                String upstream = settings.string(upstreamKey);
                if (upstream == null) {
                    throw new ConfigException(upstreamKey + ": missing (expected: host:port of the upstream)");
                }
                Object[] hostPort = TunnelRoute.parseUpstream(upstreamKey, upstream);
                out.add(new TunnelRoute(kind, name,
                        kind == TunnelRoute.Kind.AMQP ? settings.string(kind.key(name, "path")) : null,
                        (String) hostPort[0], (Integer) hostPort[1],
                        settings.bool(kind.key(name, "tls")),
                        settings.integer(kind.key(name, "max-connections")),
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
        String v = settings.choice(key);
        return v == null ? credentialsConfigured() : v.equals("required");
    }

    /** Whether any issuer ({@code auth.issuers.*}) or API key ({@code http.api-keys}) is configured. */
    private boolean credentialsConfigured() {
        for (Map.Entry<String, String> e : settings.values().entrySet()) {
            String k = e.getKey();
            if ((k.startsWith("auth.issuers.") || k.startsWith("http.api-keys")) && !e.getValue().isBlank()) {
                return true;
            }
        }
        return false;
    }

    /** {@code tls.hsts.*}: a policy when {@code max-age} is set, else none. */
    private TlsConfig.Hsts hsts() {
        Duration maxAge = settings.duration("tls.hsts.max-age");
        if (maxAge == null) {
            if (settings.isSet("tls.hsts.include-subdomains")) {
                throw new ConfigException("tls.hsts.include-subdomains: set without tls.hsts.max-age"
                        + " (expected: tls.hsts.max-age too, which turns the header on)");
            }
            return null;
        }
        return new TlsConfig.Hsts(maxAge, settings.bool("tls.hsts.include-subdomains"));
    }
}
