package dev.ferry.server.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders key declarations for people: the Markdown tables of docs/configuration.md and the plain listing of
 * {@code ferry config keys}. A table in a Markdown file sits between a start marker naming it
 * ({@code <!-- generated from the key declarations: keys -->}) and an end marker; {@link #update} rewrites what
 * lies between them.
 */
public final class ConfigDocs {
    /** The start marker of a generated table, {@code %s} standing for the table's name. */
    public static final String START = "<!-- generated from the key declarations (ferry config docs): %s -->";
    public static final String END = "<!-- end of generated table -->";

    private static final Pattern BLOCK = Pattern.compile(
            Pattern.quote(START).replace("%s", "\\E([a-z0-9-]+)\\Q") + "\\n(.*?)" + Pattern.quote(END), Pattern.DOTALL);

    private ConfigDocs() {
    }

    /** The Markdown table of the keys of {@code table}: key, default, meaning. */
    public static String table(ConfigSchema schema, String table) {
        StringBuilder out = new StringBuilder("| key | default | meaning |\n|---|---|---|\n");
        for (ConfigKey k : schema.table(table)) {
            out.append("| `").append(k.name()).append("` | ").append(k.documentedDefault()).append(" | ")
                    .append(k.doc()).append(" |\n");
        }
        return out.toString();
    }

    /**
     * {@code markdown} with each generated table rewritten from {@code schema}. A marker naming a table the schema
     * does not have, or a table of the schema without a marker, is an {@link IllegalArgumentException}.
     */
    public static String update(String markdown, ConfigSchema schema) {
        Matcher m = BLOCK.matcher(markdown);
        StringBuilder out = new StringBuilder();
        List<String> seen = new ArrayList<>();
        while (m.find()) {
            String name = m.group(1);
            if (!schema.tables().contains(name)) {
                throw new IllegalArgumentException("no declared keys for the generated table " + name);
            }
            seen.add(name);
            m.appendReplacement(out, Matcher.quoteReplacement(START.formatted(name) + "\n" + table(schema, name) + END));
        }
        m.appendTail(out);
        List<String> missing = new ArrayList<>(schema.tables());
        missing.removeAll(seen);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("no place for the tables " + missing + ": add a line "
                    + START.formatted(missing.get(0)) + " and a line " + END);
        }
        return out.toString();
    }

    /** {@code markdown} without its inline-code marks, for a terminal. */
    public static String plain(String markdown) {
        return markdown.replace("`", "").replace("**", "");
    }

    /**
     * One block per key for a terminal: the key, its type, its default and range, then its meaning on the next
     * line, indented. No line is broken inside a key or a URL: the meaning is left for the terminal to wrap.
     */
    public static String listing(ConfigSchema schema) {
        StringBuilder out = new StringBuilder();
        for (ConfigKey k : schema.keys()) {
            out.append(k.name()).append("  (").append(describeType(k)).append("; default: ")
                    .append(plain(k.documentedDefault())).append(")\n    ").append(plain(k.doc())).append('\n');
        }
        return out.toString();
    }

    /** The type of a key as a reader would say it, with its range or choices. */
    public static String describeType(ConfigKey k) {
        String t = k.type() == ConfigKey.Type.CHOICE ? String.join(" | ", k.choices()) : k.type().word();
        if (k.min() != null && k.max() != null) {
            return t + ", " + k.min() + ".." + k.max();
        }
        if (k.min() != null) {
            return t + ", >= " + k.min();
        }
        if (k.max() != null) {
            return t + ", <= " + k.max();
        }
        return t;
    }
}
