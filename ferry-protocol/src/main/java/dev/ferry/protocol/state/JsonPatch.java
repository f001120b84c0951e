package dev.ferry.protocol.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * RFC 6902 JSON Patch on Jackson's tree model: {@code add}, {@code remove}, {@code replace}, {@code move},
 * {@code copy} and {@code test}, with RFC 6901 pointers. A patch applies as a whole or not at all: the operations
 * work on a copy of the document, and the first one that fails aborts the patch with a {@link PatchException}
 * naming its index. Stateless.
 */
public final class JsonPatch {
    private JsonPatch() {
    }

    /**
     * The document that {@code patch} makes of {@code document}, which is not modified.
     *
     * @throws PatchException when the patch is malformed or an operation cannot be applied
     */
    public static JsonNode apply(JsonNode document, JsonNode patch) throws PatchException {
        if (patch == null || !patch.isArray()) {
            throw new PatchException(-1, "a JSON Patch must be an array of operations");
        }
        JsonNode doc = document.deepCopy();
        for (int i = 0; i < patch.size(); i++) {
            doc = applyOne(doc, patch.get(i), i);
        }
        return doc;
    }

    /** Checks the shape of every operation without applying any (members of the right types, valid pointers). */
    public static void validate(JsonNode patch) throws PatchException {
        if (patch == null || !patch.isArray()) {
            throw new PatchException(-1, "a JSON Patch must be an array of operations");
        }
        for (int i = 0; i < patch.size(); i++) {
            Op op = parse(patch.get(i), i);
            pointer(op.path, i, "path");
            if (op.from != null) {
                pointer(op.from, i, "from");
            }
        }
    }

    private record Op(String name, String path, String from, JsonNode value) {
    }

    private static Op parse(JsonNode op, int i) throws PatchException {
        if (op == null || !op.isObject()) {
            throw new PatchException(i, "operation " + i + " is not an object");
        }
        String name = text(op, "op", i);
        String path = text(op, "path", i);
        String from = null;
        JsonNode value = null;
        switch (name) {
            case "add", "replace", "test" -> {
                value = op.get("value");
                if (value == null) {
                    throw new PatchException(i, "operation " + i + " (" + name + "): missing \"value\"");
                }
            }
            case "move", "copy" -> from = text(op, "from", i);
            case "remove" -> {
            }
            default -> throw new PatchException(i, "operation " + i + ": unknown op \"" + name
                    + "\" (expected: add, remove, replace, move, copy or test)");
        }
        return new Op(name, path, from, value);
    }

    private static String text(JsonNode op, String member, int i) throws PatchException {
        JsonNode v = op.get(member);
        if (v == null) {
            throw new PatchException(i, "operation " + i + ": missing \"" + member + "\"");
        }
        if (!v.isTextual()) {
            throw new PatchException(i, "operation " + i + ": \"" + member + "\" must be a string");
        }
        return v.asText();
    }

    private static List<String> pointer(String pointer, int i, String member) throws PatchException {
        try {
            return JsonPointer.parse(pointer);
        } catch (IllegalArgumentException e) {
            throw new PatchException(i, "operation " + i + ": \"" + member + "\": " + e.getMessage());
        }
    }

    private static JsonNode applyOne(JsonNode doc, JsonNode json, int i) throws PatchException {
        Op op = parse(json, i);
        List<String> path = pointer(op.path, i, "path");
        String where = "operation " + i + " (" + op.name + " \"" + op.path + "\"): ";
        switch (op.name) {
            case "add":
                return add(doc, path, op.value.deepCopy(), i, where);
            case "remove":
                remove(doc, path, i, where);
                return doc;
            case "replace":
                return replace(doc, path, op.value.deepCopy(), i, where);
            case "move": {
                List<String> from = pointer(op.from, i, "from");
                if (get(doc, from) == null) {
                    throw new PatchException(i, where + "\"from\" \"" + op.from + "\" does not exist");
                }
                if (from.equals(path)) {
                    return doc;
                }
                // RFC 6902 §4.4: "from" MUST NOT be a proper prefix of "path"
                if (path.size() > from.size() && path.subList(0, from.size()).equals(from)) {
                    throw new PatchException(i, where + "cannot move a value into one of its own children");
                }
                JsonNode value = remove(doc, from, i, where);
                return add(doc, path, value, i, where);
            }
            case "copy": {
                JsonNode value = get(doc, pointer(op.from, i, "from"));
                if (value == null) {
                    throw new PatchException(i, where + "\"from\" \"" + op.from + "\" does not exist");
                }
                return add(doc, path, value.deepCopy(), i, where);
            }
            default: {
                JsonNode actual = get(doc, path);
                if (actual == null) {
                    throw new PatchException(i, where + "test failed: the path does not exist");
                }
                if (!equal(actual, op.value)) {
                    throw new PatchException(i, where + "test failed: the value differs");
                }
                return doc;
            }
        }
    }

    /** The value at {@code tokens}, or null when there is none. */
    static JsonNode get(JsonNode doc, List<String> tokens) {
        JsonNode cur = doc;
        for (String t : tokens) {
            if (cur.isObject()) {
                cur = cur.get(t);
            } else if (cur.isArray()) {
                int index = index(t);
                cur = index < 0 || index >= cur.size() ? null : cur.get(index);
            } else {
                return null;
            }
            if (cur == null) {
                return null;
            }
        }
        return cur;
    }

    private static JsonNode parent(JsonNode doc, List<String> tokens, int i, String where) throws PatchException {
        JsonNode parent = get(doc, tokens.subList(0, tokens.size() - 1));
        if (parent == null) {
            throw new PatchException(i, where + "the parent of the target does not exist");
        }
        if (!parent.isObject() && !parent.isArray()) {
            throw new PatchException(i, where + "the parent of the target is neither an object nor an array");
        }
        return parent;
    }

    private static JsonNode add(JsonNode doc, List<String> path, JsonNode value, int i, String where) throws PatchException {
        if (path.isEmpty()) {
            return value;
        }
        JsonNode parent = parent(doc, path, i, where);
        String last = path.get(path.size() - 1);
        if (parent.isObject()) {
            ((ObjectNode) parent).set(last, value);
            return doc;
        }
        ArrayNode array = (ArrayNode) parent;
        if (last.equals("-")) {
            array.add(value);
            return doc;
        }
        int index = index(last);
        if (index < 0 || index > array.size()) {
            throw new PatchException(i, where + "array index \"" + last + "\" is out of bounds (size " + array.size() + ")");
        }
        array.insert(index, value);
        return doc;
    }

    private static JsonNode remove(JsonNode doc, List<String> path, int i, String where) throws PatchException {
        if (path.isEmpty()) {
            throw new PatchException(i, where + "cannot remove the whole document");
        }
        JsonNode parent = parent(doc, path, i, where);
        String last = path.get(path.size() - 1);
        if (parent.isObject()) {
            JsonNode removed = ((ObjectNode) parent).remove(last);
            if (removed == null) {
                throw new PatchException(i, where + "the target does not exist");
            }
            return removed;
        }
        int index = index(last);
        if (index < 0 || index >= parent.size()) {
            throw new PatchException(i, where + "array index \"" + last + "\" is out of bounds (size " + parent.size() + ")");
        }
        return ((ArrayNode) parent).remove(index);
    }

    private static JsonNode replace(JsonNode doc, List<String> path, JsonNode value, int i, String where) throws PatchException {
        if (path.isEmpty()) {
            return value;
        }
        JsonNode parent = parent(doc, path, i, where);
        String last = path.get(path.size() - 1);
        if (parent.isObject()) {
            if (!parent.has(last)) {
                throw new PatchException(i, where + "the target does not exist");
            }
            ((ObjectNode) parent).set(last, value);
            return doc;
        }
        int index = index(last);
        if (index < 0 || index >= parent.size()) {
            throw new PatchException(i, where + "array index \"" + last + "\" is out of bounds (size " + parent.size() + ")");
        }
        ((ArrayNode) parent).set(index, value);
        return doc;
    }

    /** An array index token ("0", or digits without a leading zero), or -1 when it is not one. */
    private static int index(String token) {
        if (token.isEmpty() || token.length() > 9 || (token.length() > 1 && token.charAt(0) == '0')) {
            return -1;
        }
        for (int k = 0; k < token.length(); k++) {
            if (token.charAt(k) < '0' || token.charAt(k) > '9') {
                return -1;
            }
        }
        return Integer.parseInt(token);
    }

    /** JSON equality as RFC 6902 §4.6 defines it for {@code test}: numbers by value, members in any order. */
    public static boolean equal(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int k = 0; k < a.size(); k++) {
                if (!equal(a.get(k), b.get(k))) {
                    return false;
                }
            }
            return true;
        }
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode other = b.get(e.getKey());
                if (other == null || !equal(e.getValue(), other)) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }
}
