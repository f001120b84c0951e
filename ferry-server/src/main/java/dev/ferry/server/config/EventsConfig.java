package dev.ferry.server.config;

import java.nio.file.Path;
import java.util.List;

/**
 * Declared event classes (docs/events.md): which topics carry which kind of event, and the JSON Schema their
 * payloads must satisfy. The first class in name order whose pattern matches a topic is that topic's class.
 *
 * @param classes the classes, in name order (default: none)
 */
public record EventsConfig(List<EventClass> classes) {
    public static final EventsConfig DEFAULT = new EventsConfig(List.of());

    /**
     * One class ({@code events.<name>.*}).
     *
     * @param name the class's name: letters, digits, {@code _}, {@code -}
     * @param pattern the topics of the class
     * @param schema a JSON Schema file (draft 2020-12 unless it names another {@code $schema}); null: payloads are
     *     not checked
     * @param description what the class's events mean (may be empty)
     * @param tags tag names every publication of the class must carry
     * @param example one payload of the class as JSON text (null: none); it must satisfy the schema
     */
    public record EventClass(String name, String pattern, Path schema, String description, List<String> tags,
                             String example) {
        public EventClass {
            String key = "events." + name;
            Checks.name(key, name);
            Checks.pattern(key + ".pattern", pattern);
            description = description == null ? "" : description;
            tags = List.copyOf(Checks.notNull(key + ".tags", tags));
            for (String tag : tags) {
                if (tag.isBlank()) {
                    throw new ConfigException(key + ".tags: a tag name is empty");
                }
            }
        }
    }

    public EventsConfig {
        classes = List.copyOf(Checks.notNull("events", classes));
    }
}
