package dev.ferry.server.wamp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One decoded WAMP message and typed access to its fields, each checked as WAMP §6.4 says: an {@code id} is an
 * integer in [1, 2^53], a {@code dict} an object, a {@code list} an array, a {@code uri} a string. A field of the
 * wrong type is a {@code wamp.error.protocol_violation}.
 */
public final class WampMessage {
    public static final int HELLO = 1;
    public static final int WELCOME = 2;
    public static final int ABORT = 3;
    public static final int CHALLENGE = 4;
    public static final int AUTHENTICATE = 5;
    public static final int GOODBYE = 6;
    public static final int ERROR = 8;
    public static final int PUBLISH = 16;
    public static final int PUBLISHED = 17;
    public static final int SUBSCRIBE = 32;
    public static final int SUBSCRIBED = 33;
    public static final int UNSUBSCRIBE = 34;
    public static final int UNSUBSCRIBED = 35;
    public static final int EVENT = 36;
    public static final int CALL = 48;
    public static final int CANCEL = 49;
    public static final int RESULT = 50;
    public static final int REGISTER = 64;
    public static final int REGISTERED = 65;
    public static final int UNREGISTER = 66;
    public static final int UNREGISTERED = 67;
    public static final int INVOCATION = 68;
    public static final int INTERRUPT = 69;
    public static final int YIELD = 70;

    /** The largest id (WAMP §5.1.2): 2^53, so that JavaScript's numbers hold every id exactly. */
    public static final long MAX_ID = 1L << 53;
    private static final java.util.regex.Pattern LOOSE_URI = java.util.regex.Pattern.compile("([^\\s.#]+\\.)*[^\\s.#]+");

    /** Whether {@code s} is a URI by WAMP's loose rules (§5.1.1.2): non-empty components without whitespace or {@code #}. */
    static boolean isUri(String s) {
        return s.length() <= 1024 && LOOSE_URI.matcher(s).matches();
    }

    private final ArrayNode fields;
    private final boolean binary;

    WampMessage(ArrayNode fields, boolean binary) {
        this.fields = fields;
        this.binary = binary;
    }

    public int type() {
        return fields.get(0).intValue();
    }

    public int size() {
        return fields.size();
    }

    /** The element at {@code i} as decoded, or null past the end. */
    public JsonNode field(int i) {
        return i < 0 ? null : fields.get(i);
    }

    /** Whether the message came in the binary (MessagePack) serialization. */
    boolean binary() {
        return binary;
    }

    /** Checks that the message has {@code min} to {@code max} elements, its type code included. */
    void length(int min, int max, String shape) throws WampException {
        if (fields.size() < min || fields.size() > max) {
            throw WampException.violation(name(type()) + " is " + shape);
        }
    }

    long id(int i, String what) throws WampException {
        JsonNode n = fields.get(i);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 1 || n.longValue() > MAX_ID) {
            throw WampException.violation(name(type()) + ": " + what + " must be an integer in [1, 2^53]");
        }
        return n.longValue();
    }

    int integer(int i, String what) throws WampException {
        JsonNode n = fields.get(i);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt()) {
            throw WampException.violation(name(type()) + ": " + what + " must be an integer");
        }
        return n.intValue();
    }

    ObjectNode dict(int i, String what) throws WampException {
        JsonNode n = fields.get(i);
        if (n == null || !n.isObject()) {
            throw WampException.violation(name(type()) + ": " + what + " must be a dict");
        }
        return (ObjectNode) n;
    }

    String string(int i, String what) throws WampException {
        JsonNode n = fields.get(i);
        if (n == null || !n.isTextual()) {
            throw WampException.violation(name(type()) + ": " + what + " must be a string");
        }
        return n.textValue();
    }

    /** The optional list at {@code i}: null when absent. */
    ArrayNode args(int i) throws WampException {
        JsonNode n = fields.get(i);
        if (n == null) {
            return null;
        }
        if (!n.isArray()) {
            throw WampException.violation(name(type()) + ": Arguments must be a list");
        }
        return (ArrayNode) n;
    }

    /** The optional dict at {@code i}: null when absent. */
    ObjectNode kwargs(int i) throws WampException {
        JsonNode n = fields.get(i);
        if (n == null) {
            return null;
        }
        if (!n.isObject()) {
            throw WampException.violation(name(type()) + ": ArgumentsKw must be a dict");
        }
        return (ObjectNode) n;
    }

    /** The name of a message type, for messages to the peer. */
    static String name(int type) {
        return switch (type) {
            case HELLO -> "HELLO";
            case WELCOME -> "WELCOME";
            case ABORT -> "ABORT";
            case CHALLENGE -> "CHALLENGE";
            case AUTHENTICATE -> "AUTHENTICATE";
            case GOODBYE -> "GOODBYE";
            case ERROR -> "ERROR";
            case PUBLISH -> "PUBLISH";
            case PUBLISHED -> "PUBLISHED";
            case SUBSCRIBE -> "SUBSCRIBE";
            case SUBSCRIBED -> "SUBSCRIBED";
            case UNSUBSCRIBE -> "UNSUBSCRIBE";
            case UNSUBSCRIBED -> "UNSUBSCRIBED";
            case EVENT -> "EVENT";
            case CALL -> "CALL";
            case CANCEL -> "CANCEL";
            case RESULT -> "RESULT";
            case REGISTER -> "REGISTER";
            case REGISTERED -> "REGISTERED";
            case UNREGISTER -> "UNREGISTER";
            case UNREGISTERED -> "UNREGISTERED";
            case INVOCATION -> "INVOCATION";
            case INTERRUPT -> "INTERRUPT";
            case YIELD -> "YIELD";
            default -> "message type " + type;
        };
    }
}
