package dev.ferry.server.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * An ordered set of {@link ConfigKey} declarations: the server's own ({@link FerryKeys#SCHEMA}) or an extension's
 * ({@link ConfigSection#schema()}). Answers whether a key is known, which
 * declared key is closest to a misspelled one, and which keys a documentation table lists.
 */
public final class ConfigSchema {
    private final List<ConfigKey> keys;

    private ConfigSchema(List<ConfigKey> keys) {
        this.keys = List.copyOf(keys);
        Set<String> names = new LinkedHashSet<>();
        for (ConfigKey k : keys) {
            if (k.defaultValue() != null) {
                k.parse(k.name(), k.defaultValue()); // a declaration whose default it would refuse is a bug
            }
            if (!names.add(k.name())) {
                throw new IllegalArgumentException("key declared twice: " + k.name());
            }
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The keys, in declaration order (the order of the documentation). */
    public List<ConfigKey> keys() {
        return keys;
    }

    /** This schema's keys followed by {@code other}'s. */
    public ConfigSchema plus(ConfigSchema other) {
        List<ConfigKey> all = new ArrayList<>(keys);
        all.addAll(other.keys);
        return new ConfigSchema(all);
    }

    /** The declaration {@code key} matches: itself, or a {@code <name>} key; empty for an unknown key. */
    public Optional<ConfigKey> find(String key) {
        for (ConfigKey k : keys) {
            if (k.matches(key)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    public boolean isKnown(String key) {
        return find(key).isPresent();
    }

    /** The documentation tables the keys name, in order of first appearance. */
    public List<String> tables() {
        Set<String> tables = new LinkedHashSet<>();
        keys.forEach(k -> tables.add(k.table()));
        return List.copyOf(tables);
    }

    /** The keys a documentation table lists, in order. */
    public List<ConfigKey> table(String table) {
        return keys.stream().filter(k -> k.table().equals(table)).toList();
    }

    /**
     * The declared key closest to {@code unknown} by edit distance, with the user's own names put in for
     * {@code <name>} (so {@code presence.rules.rooms.max-entrys} suggests {@code presence.rules.rooms.max-entries}),
     * or empty when none is close enough to be a likely misspelling.
     */
    public Optional<String> closest(String unknown) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (ConfigKey k : keys) {
            String candidate = withNames(k.name(), unknown);
            int d = distance(unknown, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        int allowed = Math.max(2, unknown.length() / 3);
        return bestDistance <= allowed ? Optional.of(best) : Optional.empty();
    }

    /** {@code declared} with each {@code <name>} word replaced by the word at the same place in {@code key}. */
    private static String withNames(String declared, String key) {
        if (!declared.contains(ConfigKey.NAME)) {
            return declared;
        }
        String[] want = declared.split("\\.");
        String[] have = key.split("\\.");
        for (int i = 0; i < want.length; i++) {
            if (want[i].equals(ConfigKey.NAME) && i < have.length) {
                want[i] = have[i];
            }
        }
        return String.join(".", want);
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /**
     * Declares keys in order. Each method takes the name, the default as written in configuration (or null), what
     * the documentation shows as the default when that is not the value itself (or null), and the doc line;
     * {@link #min}, {@link #max} and {@link #range} narrow the key declared last.
     */
    public static final class Builder {
        private final List<ConfigKey> keys = new ArrayList<>();
        private String table = "keys";

        private Builder() {
        }

        /** The documentation table of the keys declared next. */
        public Builder table(String name) {
            this.table = name;
            return this;
        }

        private Builder add(String name, ConfigKey.Type type, String def, String shown, List<String> choices, String doc) {
            keys.add(new ConfigKey(name, type, def, shown, choices, null, null, table, doc));
            return this;
        }

        public Builder string(String name, String def, String shown, String doc) {
            return add(name, ConfigKey.Type.STRING, def, shown, List.of(), doc);
        }

        public Builder integer(String name, String def, String shown, String doc) {
            return add(name, ConfigKey.Type.INTEGER, def, shown, List.of(), doc);
        }

        public Builder size(String name, String def, String shown, String doc) {
            return add(name, ConfigKey.Type.SIZE, def, shown, List.of(), doc);
        }

        public Builder duration(String name, String def, String shown, String doc) {
            return add(name, ConfigKey.Type.DURATION, def, shown, List.of(), doc);
        }

        public Builder bool(String name, String def, String shown, String doc) {
            return add(name, ConfigKey.Type.BOOLEAN, def, shown, List.of(), doc);
        }

        public Builder list(String name, String def, String shown, String doc) {
            return add(name, ConfigKey.Type.LIST, def, shown, List.of(), doc);
        }

        public Builder path(String name, String def, String shown, String doc) {
            return add(name, ConfigKey.Type.PATH, def, shown, List.of(), doc);
        }

        public Builder choice(String name, List<String> choices, String def, String shown, String doc) {
            return add(name, ConfigKey.Type.CHOICE, def, shown, choices, doc);
        }

        /** The smallest number the key declared last accepts. */
        public Builder min(long min) {
            return narrow(min, null);
        }

        /** The largest number the key declared last accepts. */
        public Builder max(long max) {
            return narrow(null, max);
        }

        /** The numbers the key declared last accepts. */
        public Builder range(long min, long max) {
            return narrow(min, max);
        }

        private Builder narrow(Long min, Long max) {
            ConfigKey k = keys.remove(keys.size() - 1);
            keys.add(new ConfigKey(k.name(), k.type(), k.defaultValue(), k.shownDefault(), k.choices(),
                    min != null ? min : k.min(), max != null ? max : k.max(), k.table(), k.doc()));
            return this;
        }

        public ConfigSchema build() {
            return new ConfigSchema(keys);
        }
    }
}
