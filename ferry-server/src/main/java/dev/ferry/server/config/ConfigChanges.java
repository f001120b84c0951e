package dev.ferry.server.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a new configuration changes against the running one, setting by setting, and which of those changes a
 * running server takes without a restart (docs/operations.md, "Reloading the configuration"). Immutable.
 *
 * <p>A setting is a component of a section record ({@code limits.publish-rate} is {@link LimitsConfig#publishRate});
 * named groups ({@code auth.issuers.<name>.*}, {@code tunnel.routes.<name>.*}, ...) are one setting each.
 * {@link #applied()} is the configuration a server runs with after the reload: the new value of every live
 * setting, the running value of every setting that needs a restart.
 *
 * @param changed every changed setting, in declaration order
 * @param restartNeeded those of {@code changed} that only a restart applies
 * @param applied the running configuration with the live changes taken
 */
public record ConfigChanges(List<String> changed, List<String> restartNeeded, FerryConfig applied) {
    /**
     * The settings a running server takes (by their names here): authentication and permissions, API keys, the
     * rates of new connections, origins, tunnel and AMQP routes, event classes, presence and state channel rules,
     * log levels, backend hooks; and {@link #HISTORY} on an engine that reloads it. Everything else needs a restart.
     */
    public static final Set<String> LIVE = Set.of(
            "auth.anonymous", "auth.cookie", "auth.query-param", "auth.clock-skew", "auth.grants-claim", "auth.rules",
            "auth.issuers.<name>",
            "http.api-keys", "http.api-keys.<name>",
            "limits.publish-rate", "limits.publish-burst", "limits.call-rate", "limits.call-burst",
            "limits.message-rate", "limits.message-burst", "limits.message-excess", "limits.max-pending-calls",
            "limits.connections-per-ip", "limits.max-connections", "limits.reassembly-bytes", "limits.max-topics",
            "web.allowed-origins", "web.cors-origins", "http.max-body-bytes", "websocket.max-message-bytes",
            "amqp.routes.<name> / tunnel.routes.<name>",
            "tunnel.max-frame-bytes", "tunnel.idle-ping", "tunnel.connect-timeout", "sse.max-topics",
            "events.<name>",
            "presence.rules.<name>",
            "state.channels.<name>", "state.max-document-bytes", "state.create-on-write",
            "log.level", "log.levels",
            "hooks.connect", "hooks.connect.forward-headers", "hooks.refresh", "hooks.refresh.retry",
            "hooks.subscribe.<name>", "hooks.publish.<name>", "hooks.breaker.failures", "hooks.breaker.cool-down",
            "hooks.max-response-bytes", "hooks.rpc.<name>", "hooks.events",
            "wamp.realms.<name>");

    /** Setting names that the record component's name does not spell as its key. */
    private static final Map<String, String> NAMES = Map.ofEntries(
            Map.entry("auth.issuers", "auth.issuers.<name>"),
            Map.entry("http.named-keys", "http.api-keys.<name>"),
            Map.entry("tunnel.routes", "amqp.routes.<name> / tunnel.routes.<name>"),
            Map.entry("events.classes", "events.<name>"),
            Map.entry("presence.rules", "presence.rules.<name>"),
            Map.entry("state.channels", "state.channels.<name>"),
            Map.entry("history.rules", "history.rules.<name>"),
            Map.entry("wamp.realms", "wamp.realms.<name>"),
            Map.entry("hooks.forward-headers", "hooks.connect.forward-headers"),
            Map.entry("hooks.refresh-retry", "hooks.refresh.retry"),
            Map.entry("hooks.subscribe", "hooks.subscribe.<name>"),
            Map.entry("hooks.publish", "hooks.publish.<name>"),
            Map.entry("hooks.breaker-failures", "hooks.breaker.failures"),
            Map.entry("hooks.breaker-cool-down", "hooks.breaker.cool-down"),
            Map.entry("hooks.rpc", "hooks.rpc.<name>"),
            Map.entry("engine.engine", "engine"),
            Map.entry("engine.dedup-window", "publish.dedup-window"),
            Map.entry("engine.dedup-max-ids", "publish.dedup-max-ids"));

    public ConfigChanges {
        changed = List.copyOf(changed);
        restartNeeded = List.copyOf(restartNeeded);
        Objects.requireNonNull(applied, "applied");
    }

    /** Whether nothing changed. */
    public boolean none() {
        return changed.isEmpty();
    }

    /** The {@code history.*} settings, live on an engine that reloads them (the memory and Redis engines). */
    public static final Set<String> HISTORY = Set.of("history.size", "history.ttl", "history.max-recovery",
            "history.lossy-topics", "history.rules.<name>");

    /** The changes of {@code next} against {@code running}. */
    public static ConfigChanges between(FerryConfig running, FerryConfig next) {
        return between(running, next, Set.of());
    }

    /** The changes of {@code next} against {@code running}, with {@code alsoLive} settings live besides {@link #LIVE}. */
    public static ConfigChanges between(FerryConfig running, FerryConfig next, Set<String> alsoLive) {
        List<String> changed = new ArrayList<>();
        List<String> restart = new ArrayList<>();
        Object[] sections = new Object[FerryConfig.class.getRecordComponents().length];
        int i = 0;
        for (RecordComponent section : FerryConfig.class.getRecordComponents()) {
            Object before = value(section, running);
            Object after = value(section, next);
            if (Objects.equals(before, after)) {
                sections[i++] = before;
                continue;
            }
            RecordComponent[] settings = section.getType().getRecordComponents();
            Object[] merged = new Object[settings.length];
            for (int j = 0; j < settings.length; j++) {
                Object b = value(settings[j], before);
                Object a = value(settings[j], after);
                merged[j] = b;
                if (Objects.equals(b, a)) {
                    continue;
                }
                String name = name(section.getName(), settings[j].getName());
                changed.add(name);
                if (LIVE.contains(name) || alsoLive.contains(name)) {
                    merged[j] = a;
                } else {
                    restart.add(name);
                }
            }
            sections[i++] = construct(section.getType(), merged);
        }
        return new ConfigChanges(changed, restart, (FerryConfig) construct(FerryConfig.class, sections));
    }

    /** Every setting by its name here, in declaration order: what {@link #changed()} may name. */
    public static List<String> settings() {
        List<String> out = new ArrayList<>();
        for (RecordComponent section : FerryConfig.class.getRecordComponents()) {
            for (RecordComponent setting : section.getType().getRecordComponents()) {
                String name = name(section.getName(), setting.getName());
                if (!out.contains(name)) {
                    out.add(name);
                }
            }
        }
        return out;
    }

    /** {@code auth} and {@code clockSkew}: {@code auth.clock-skew}. */
    static String name(String section, String component) {
        String key = section + "." + component.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
        return NAMES.getOrDefault(key, key);
    }

    private static Object value(RecordComponent c, Object record) {
        try {
            return c.getAccessor().invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + c.getName(), e);
        }
    }

    private static Object construct(Class<?> type, Object[] values) {
        Class<?>[] types = java.util.Arrays.stream(type.getRecordComponents()).map(RecordComponent::getType)
                .toArray(Class<?>[]::new);
        try {
            Constructor<?> canonical = type.getDeclaredConstructor(types);
            return canonical.newInstance(values);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("cannot make " + type.getSimpleName(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot make " + type.getSimpleName(), e);
        }
    }
}
