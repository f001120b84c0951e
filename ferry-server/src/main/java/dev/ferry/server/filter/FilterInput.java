package dev.ferry.server.filter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.ferry.protocol.Payload;
import java.io.IOException;
import java.util.Map;

/**
 * What filters see of one publication: its tags as given, and its JSON payload parsed on first use only, then
 * shared by every filter evaluated over this input. A binary payload, or one that does not parse, has no data
 * fields. Not thread-safe: one thread evaluates the filters of a publication.
 */
public final class FilterInput {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Payload payload;
    private final Map<String, String> tags;
    private JsonNode data;

    public FilterInput(Payload payload, Map<String, String> tags) {
        this.payload = payload;
        this.tags = tags == null ? Map.of() : tags;
    }

    public Map<String, String> tags() {
        return tags;
    }

    /** The parsed payload ({@link MissingNode} for a binary or unreadable one), parsed at most once. */
    public JsonNode data() {
        JsonNode d = data;
        if (d == null) {
            d = MissingNode.getInstance();
            if (payload != null && !payload.isBinary()) {
                try {
                    JsonNode parsed = JSON.readTree(payload.bytes());
                    if (parsed != null) {
                        d = parsed;
                    }
                } catch (IOException | RuntimeException e) {
                    // not JSON after all: no data fields
                }
            }
            data = d;
        }
        return d;
    }

    /** Whether the payload has been parsed (for tests of the once-per-publication rule). */
    public boolean parsed() {
        return data != null;
    }
}
