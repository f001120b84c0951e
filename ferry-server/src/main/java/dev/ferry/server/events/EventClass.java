package dev.ferry.server.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import java.util.List;

/**
 * One declared event class, ready to check publications: its compiled schema (null when it has none), and what
 * discovery lists of it.
 *
 * @param schemaJson the schema document as read from its file (null when the class has none)
 * @param example one payload of the class (null when none was given)
 */
public record EventClass(String name, String pattern, String description, List<String> tags, JsonNode schemaJson,
                         JsonNode example, Schema schema) {
    public EventClass {
        tags = List.copyOf(tags);
    }

    public boolean hasSchema() {
        return schema != null;
    }
}
