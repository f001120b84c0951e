package dev.ferry.server.wamp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.ferry.protocol.Payload;
import java.util.Base64;

/**
 * How ferry.v1 data and WAMP's {@code Arguments|list} and {@code ArgumentsKw|dict} map to each other
 * (docs/wamp.md, "Payloads"). From WAMP to Ferry:
 * <ol>
 *   <li>arguments and keyword arguments, both non-empty: {@code {"args": [...], "kwargs": {...}}};</li>
 *   <li>keyword arguments only (arguments absent or empty): the dict;</li>
 *   <li>neither: {@code null};</li>
 *   <li>one argument that is neither a list nor a dict: that value (a binary value: a binary payload);</li>
 *   <li>any other arguments: the list.</li>
 * </ol>
 * From Ferry to WAMP: {@code null} is no arguments; a list is the arguments; a dict with exactly the keys
 * {@code args} (a list) and {@code kwargs} (a dict) is those; any other dict is the keyword arguments (with empty
 * arguments); any other value {@code v} is the arguments {@code [v]}; a binary payload is one binary argument.
 * So every WAMP payload round-trips except {@code [null]}, which arrives as no arguments. Stateless.
 */
public final class WampPayloads {
    private WampPayloads() {
    }

    /** WAMP arguments (either may be null: absent) as ferry.v1 data; {@code binary} says how binary values come. */
    public static Payload fromWamp(ArrayNode args, ObjectNode kwargs, boolean msgpack) {
        boolean hasArgs = args != null && !args.isEmpty();
        boolean hasKw = kwargs != null && !kwargs.isEmpty();
        if (hasArgs && hasKw) {
            ObjectNode both = JsonNodeFactory.instance.objectNode();
            both.set("args", args);
            both.set("kwargs", kwargs);
            return json(both, msgpack);
        }
        if (hasKw) {
            return json(kwargs, msgpack);
        }
        if (args == null) {
            return Payload.NULL;
        }
        if (args.size() == 1 && !args.get(0).isContainerNode()) {
            byte[] bytes = binaryValue(args.get(0), msgpack);
            return bytes != null ? Payload.binary(bytes) : json(args.get(0), msgpack);
        }
        return json(args, msgpack);
    }

    /** ferry.v1 data as WAMP arguments: {@code [args, kwargs]}, either null when absent. */
    public static JsonNode[] toWamp(Payload data, boolean msgpack) {
        if (data.isBinary()) {
            ArrayNode a = JsonNodeFactory.instance.arrayNode();
            a.add(msgpack ? BinaryNode.valueOf(data.bytes()) : TextNode.valueOf("\0" + Base64.getEncoder().encodeToString(data.bytes())));
            return new JsonNode[] {a, null};
        }
        JsonNode n = WampCodec.parseJson(data.bytes());
        if (n.isNull()) {
            return new JsonNode[] {null, null};
        }
        if (n.isArray()) {
            return new JsonNode[] {n, null};
        }
        if (n.isObject()) {
            JsonNode a = n.get("args");
            JsonNode k = n.get("kwargs");
            if (n.size() == 2 && a != null && a.isArray() && k != null && k.isObject()) {
                return new JsonNode[] {a, k};
            }
            return new JsonNode[] {JsonNodeFactory.instance.arrayNode(), n};
        }
        return new JsonNode[] {JsonNodeFactory.instance.arrayNode().add(n), null};
    }

    /**
     * Appends the arguments of {@code data} to {@code message} (none, args, or args and kwargs). For
     * {@code wamp.2.json} the data's JSON goes into the message as it is (a raw value: not parsed into a tree and
     * written again) when its form says what it is: a list, a scalar (wrapped in a list), or a dict that cannot be
     * the {@code {"args", "kwargs"}} form (it does not contain {@code "args"}).
     */
    static ArrayNode append(ArrayNode message, Payload data, boolean msgpack) {
        if (!msgpack && !data.isBinary() && appendRaw(message, data.bytes())) {
            return message;
        }
        JsonNode[] ak = toWamp(data, msgpack);
        if (ak[0] != null) {
            message.add(ak[0]);
            if (ak[1] != null) {
                message.add(ak[1]);
            }
        }
        return message;
    }

    private static final byte[] ARGS_KEY = "\"args\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** {@link #append} of JSON data without parsing it; false when its form needs the tree. */
    private static boolean appendRaw(ArrayNode message, byte[] json) {
        int i = 0;
        while (i < json.length && (json[i] == ' ' || json[i] == '\t' || json[i] == '\n' || json[i] == '\r')) {
            i++;
        }
        if (i == json.length) {
            return false;
        }
        byte first = json[i];
        String text = new String(json, java.nio.charset.StandardCharsets.UTF_8);
        if (first == '[') {
            message.addRawValue(new com.fasterxml.jackson.databind.util.RawValue(text));
            return true;
        }
        if (first == '{') {
            if (indexOf(json, ARGS_KEY) >= 0) {
                return false; // perhaps {"args": [...], "kwargs": {...}}
            }
            message.addArray();
            message.addRawValue(new com.fasterxml.jackson.databind.util.RawValue(text));
            return true;
        }
        if (first == 'n') {
            return false; // null: no arguments
        }
        message.addRawValue(new com.fasterxml.jackson.databind.util.RawValue("[" + text + "]"));
        return true;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** The bytes of a binary value (MessagePack {@code bin}, or a JSON string NUL + Base64), else null. */
    private static byte[] binaryValue(JsonNode n, boolean msgpack) {
        if (msgpack) {
            return n.isBinary() ? ((BinaryNode) n).binaryValue() : null;
        }
        if (n.isTextual() && n.textValue().startsWith("\0")) {
            try {
                return Base64.getDecoder().decode(n.textValue().substring(1));
            } catch (IllegalArgumentException e) {
                return null; // a string that merely starts with NUL
            }
        }
        return null;
    }

    /**
     * A tree as ferry.v1 JSON data; binary values nested inside become their WAMP JSON form (a string NUL + Base64)
     * there being no binary inside ferry.v1 JSON.
     */
    private static Payload json(JsonNode n, boolean msgpack) {
        return Payload.json(WampCodec.toJson(msgpack ? binaryAsText(n) : n));
    }

    private static JsonNode binaryAsText(JsonNode n) {
        if (n.isBinary()) {
            return TextNode.valueOf("\0" + Base64.getEncoder().encodeToString(((BinaryNode) n).binaryValue()));
        }
        if (n.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode(n.size());
            n.forEach(e -> out.add(binaryAsText(e)));
            return out;
        }
        if (n.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            n.fields().forEachRemaining(e -> out.set(e.getKey(), binaryAsText(e.getValue())));
            return out;
        }
        return n;
    }
}
