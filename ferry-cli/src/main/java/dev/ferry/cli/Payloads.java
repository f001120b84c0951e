package dev.ferry.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.ferry.client.Message;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** How the CLI reads payloads from arguments and prints them. */
final class Payloads {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectReader STRICT = JSON.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Payloads() {
    }

    /** The text of an argument, or all of standard input for {@code -}. */
    static byte[] raw(String arg, InputStream stdin) {
        if ("-".equals(arg)) {
            try {
                return stdin.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read standard input", e);
            }
        }
        return arg.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The argument as JSON if it parses as one JSON value, otherwise as a JSON string. Text that starts like a JSON
     * object, array or string ({@code {}, {@code [}, {@code "}) must be valid JSON: {@code [1} is a mistake, not a
     * string, and is an {@link IllegalArgumentException} naming {@code what}.
     */
    static JsonNode jsonOrString(String what, String text) {
        if (text.isBlank()) {
            return TextNode.valueOf(text);
        }
        char first = text.strip().charAt(0);
        if (first == '{' || first == '[' || first == '"') {
            return json(what, text);
        }
        try {
            JsonNode n = STRICT.readTree(text);
            return n == null || n.isMissingNode() ? TextNode.valueOf(text) : n;
        } catch (JsonProcessingException e) {
            return TextNode.valueOf(text);
        }
    }

    /** Strictly JSON (for options documented as JSON). */
    static JsonNode json(String option, String text) {
        try {
            JsonNode n = STRICT.readTree(text);
            if (n == null || n.isMissingNode()) {
                throw new IllegalArgumentException(option + ": empty (expected: JSON)");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(option + ": not JSON: " + e.getOriginalMessage().lines().findFirst().orElse("")
                    .replaceFirst("\\s*\\(start marker at .*", "")
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        }
    }

    /** {@code {"topic":..,"data":..,"offset":..}}, binary data as base64 in {@code data_base64}. */
    static String messageLine(Message m) {
        ObjectNode o = JSON.createObjectNode();
        o.put("topic", m.topic());
        putData(o, m.isBinary() ? null : m.data(), m.binary());
        o.put("offset", m.offset());
        return o.toString();
    }

    /** A call result: its JSON, or {@code {"data_base64":..}} for a binary result. */
    static String resultLine(JsonNode result) {
        if (result.isBinary()) {
            ObjectNode o = JSON.createObjectNode();
            putData(o, null, binary(result));
            return o.toString();
        }
        return result.toString();
    }

    static void putData(ObjectNode o, JsonNode data, byte[] binary) {
        if (binary != null) {
            o.put("data_base64", Base64.getEncoder().encodeToString(binary));
        } else {
            o.set("data", data);
        }
    }

    static byte[] binary(JsonNode node) {
        try {
            return node.binaryValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
