package dev.ferry.protocol.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * RFC 7386 JSON Merge Patch on Jackson's tree model, and its translation into the equivalent RFC 6902 operations
 * for a given document (state channels publish every change as a JSON Patch, whatever the writer sent).
 * Stateless.
 */
public final class MergePatch {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private MergePatch() {
    }

    /** RFC 7386 §2 MergePatch(target, patch); neither argument is modified. {@code target} may be null. */
    public static JsonNode apply(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        ObjectNode result = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : NODES.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isNull()) {
                result.remove(e.getKey());
            } else {
                result.set(e.getKey(), apply(result.get(e.getKey()), e.getValue()));
            }
        }
        return result;
    }

    /**
     * The JSON Patch operations that turn {@code target} into {@code apply(target, patch)}: {@code add},
     * {@code replace} and {@code remove} on the members the merge patch touches (none for members it deletes that
     * do not exist).
     */
    public static ArrayNode toOperations(JsonNode target, JsonNode patch) {
        ArrayNode ops = NODES.arrayNode();
        operations(target, patch, "", ops);
        return ops;
    }

    private static void operations(JsonNode target, JsonNode patch, String path, ArrayNode ops) {
        if (!patch.isObject() || target == null || !target.isObject()) {
            ops.add(op(target == null ? "add" : "replace", path).set("value", apply(target, patch)));
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String member = path + "/" + JsonPointer.escape(e.getKey());
            JsonNode current = target.get(e.getKey());
            JsonNode value = e.getValue();
            if (value.isNull()) {
                if (current != null) {
                    ops.add(op("remove", member));
                }
            } else if (value.isObject() && current != null && current.isObject()) {
                operations(current, value, member, ops);
            } else {
                ops.add(op(current == null ? "add" : "replace", member).set("value", apply(null, value)));
            }
        }
    }

    private static ObjectNode op(String name, String path) {
        ObjectNode op = NODES.objectNode();
        op.put("op", name);
        op.put("path", path);
        return op;
    }
}
