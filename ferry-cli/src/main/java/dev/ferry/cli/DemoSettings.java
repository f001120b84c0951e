package dev.ferry.cli;

import dev.ferry.server.config.ConfigLoader;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@code ferry serve --demo} adds to the configuration for the demo pages ({@code /} and {@code /todo.html},
 * docs/web.md): the shared to-do lists are state channels {@code demo.todo.<list>} with history, and who is
 * viewing a list is the presence of {@code demo.todo.<list>.here}.
 *
 * <p>The settings lie under the user's own: a key that the file, the environment or {@code --set} gave keeps its
 * value (so {@code --set state.channels.demo-todo.max-document-bytes=8KiB} tunes the demo channel, and a rule of
 * the user's that comes first in name order wins). Permissions compose instead: with no {@code auth.rules} every
 * client may already use the demo topics, and none is added (one rule would deny everything else); with rules,
 * one more lets every client, anonymous included, use {@code demo.#} and nothing beyond it. The demo never turns
 * anonymous access on: with {@code auth.anonymous=false} the pages are refused like any other anonymous client.
 */
final class DemoSettings {
    /** The state channels of the to-do lists. */
    static final String TODO_LISTS = "demo.todo.*";
    /** The topics whose presence says who is viewing a list. */
    static final String TODO_VIEWERS = "demo.todo.*.here";
    /** The rule added to the user's {@code auth.rules}: the demo topics, for everyone. */
    static final String DEMO_RULE = "subscribe+publish+history+presence demo.# everyone";

    private static final String SOURCE = "serve --demo";

    /** Named entries ({@code demo-todo}) that the user can override key by key. */
    private static final Map<String, String> DEFAULTS = defaults();

    private DemoSettings() {
    }

    private static Map<String, String> defaults() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("state.channels.demo-todo.pattern", TODO_LISTS);
        m.put("history.rules.demo-todo.pattern", TODO_LISTS);
        m.put("history.rules.demo-todo.size", "1000");
        m.put("history.rules.demo-todo.ttl", "1h");
        m.put("presence.rules.demo-todo.pattern", TODO_VIEWERS);
        return m;
    }

    /** Adds the demo settings to {@code loader}, after everything the user gave. */
    static void applyTo(ConfigLoader loader) {
        DEFAULTS.forEach((k, v) -> loader.setIfAbsent(k, v, SOURCE));
        String rules = loader.value("auth.rules");
        if (rules != null && !rules.isBlank() && !rules.contains(DEMO_RULE)) {
            loader.set("auth.rules", rules + "," + DEMO_RULE, SOURCE);
        }
    }
}
