package dev.ferry.server.wamp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/**
 * One WAMP serialization (WAMP §6.1): {@code wamp.2.json} (text messages; binary values are strings starting
 * with NUL followed by their Base64, WAMP §6.1.2) or {@code wamp.2.msgpack} (binary messages; binary values are
 * MessagePack {@code bin}). A message is an array whose first element is its type code; {@link #decode} checks
 * that much and leaves the fields to {@link WampMessage}. Stateless and thread-safe.
 */
public final class WampCodec {
    public static final String JSON_SUBPROTOCOL = "wamp.2.json";
    public static final String MSGPACK_SUBPROTOCOL = "wamp.2.msgpack";
    /** Deepest nesting of a message's values. */
    static final int MAX_NESTING = 256;

    public static final WampCodec JSON = new WampCodec(JSON_SUBPROTOCOL, false, JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build()).build());
    public static final WampCodec MSGPACK = new WampCodec(MSGPACK_SUBPROTOCOL, true, msgpackFactory());

    private final String subprotocol;
    private final boolean binary;
    private final ObjectMapper mapper;

    private WampCodec(String subprotocol, boolean binary, JsonFactory factory) {
        this.subprotocol = subprotocol;
        this.binary = binary;
        this.mapper = new ObjectMapper(factory);
    }

    private static JsonFactory msgpackFactory() {
        MessagePackFactory f = new MessagePackFactory();
        f.setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build());
        return f;
    }

    /** The codec of {@code subprotocol}, or null for one this server does not speak. */
    public static WampCodec of(String subprotocol) {
        if (JSON_SUBPROTOCOL.equals(subprotocol)) {
            return JSON;
        }
        return MSGPACK_SUBPROTOCOL.equals(subprotocol) ? MSGPACK : null;
    }

    public String subprotocol() {
        return subprotocol;
    }

    /** Whether messages travel as binary WebSocket messages. */
    public boolean binary() {
        return binary;
    }

    /**
     * One message: an array of at least one element whose first is an integer type code.
     *
     * @throws WampException ({@code wamp.error.protocol_violation}) for anything else
     */
    public WampMessage decode(byte[] bytes) throws WampException {
        if (binary) {
            checkMsgpack(bytes);
        }
        JsonNode n;
        try {
            n = mapper.readTree(bytes);
        } catch (IOException | RuntimeException e) {
            throw WampException.violation("not a " + subprotocol + " message: " + firstLine(e.getMessage()));
        }
        if (n == null || !n.isArray() || n.isEmpty()) {
            throw WampException.violation("a message is a non-empty array");
        }
        if (!n.get(0).canConvertToInt() || !n.get(0).isIntegralNumber()) {
            throw WampException.violation("a message starts with its integer type code");
        }
        return new WampMessage((ArrayNode) n, binary);
    }

    /**
     * Walks the MessagePack value at the start of {@code b} without decoding it: every length and element count it
     * declares must fit in the bytes that follow (each element takes at least one byte), and containers nest at most
     * {@link #MAX_NESTING} deep. The MessagePack parser allocates a {@code bin} or {@code ext} value at its declared
     * length before reading it and does not count nesting, so a few bytes declaring 2 GiB or a million nested arrays
     * are refused here, in time and memory linear in the message.
     */
    static void checkMsgpack(byte[] b) throws WampException {
        long[] left = new long[MAX_NESTING + 1]; // values still to read in each open container; [0]: the message
        int depth = 1;
        left[0] = 1;
        int i = 0;
        int n = b.length;
        while (depth > 0) {
            if (left[depth - 1] == 0) {
                depth--;
                continue;
            }
            left[depth - 1]--;
            if (i >= n) {
                throw WampException.violation("not a wamp.2.msgpack message: it ends inside a value");
            }
            int t = b[i++] & 0xff;
            long skip;
            long children = 0;
            if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3) {
                skip = 0;
            } else if (t <= 0x8f) {
                skip = 0;
                children = 2L * (t & 0x0f);
            } else if (t <= 0x9f) {
                skip = 0;
                children = t & 0x0f;
            } else if (t <= 0xbf) {
                skip = t & 0x1f;
            } else {
                skip = switch (t) {
                    case 0xc4, 0xd9 -> length(b, i, 1);
                    case 0xc5, 0xda -> length(b, i, 2);
                    case 0xc6, 0xdb -> length(b, i, 4);
                    case 0xc7 -> length(b, i, 1) + 1;
                    case 0xc8 -> length(b, i, 2) + 1;
                    case 0xc9 -> length(b, i, 4) + 1;
                    case 0xcc, 0xd0 -> 1;
                    case 0xcd, 0xd1 -> 2;
                    case 0xca, 0xce, 0xd2 -> 4;
                    case 0xcb, 0xcf, 0xd3 -> 8;
                    case 0xd4 -> 2;
                    case 0xd5 -> 3;
                    case 0xd6 -> 5;
                    case 0xd7 -> 9;
                    case 0xd8 -> 17;
                    case 0xdc, 0xde -> 0;
                    case 0xdd, 0xdf -> 0;
                    default -> throw WampException.violation(
                            "not a wamp.2.msgpack message: byte 0x" + Integer.toHexString(t) + " starts no value");
                };
                int header = switch (t) {
                    case 0xc4, 0xd9, 0xc7 -> 1;
                    case 0xc5, 0xda, 0xc8, 0xdc, 0xde -> 2;
                    case 0xc6, 0xdb, 0xc9, 0xdd, 0xdf -> 4;
                    default -> 0;
                };
                if (t == 0xdc || t == 0xdd) {
                    children = length(b, i, header);
                } else if (t == 0xde || t == 0xdf) {
                    children = 2 * length(b, i, header);
                }
                i += header;
            }
            if (skip > n - i) {
                throw WampException.violation("not a wamp.2.msgpack message: a value declares " + skip
                        + " bytes, " + Math.max(0, n - i) + " follow");
            }
            i += (int) skip;
            if (children > 0) {
                if (children > n - i) {
                    throw WampException.violation("not a wamp.2.msgpack message: a container declares " + children
                            + " values, " + Math.max(0, n - i) + " bytes follow");
                }
                if (depth > MAX_NESTING) {
                    throw WampException.violation(
                            "not a wamp.2.msgpack message: values nest deeper than " + MAX_NESTING);
                }
                left[depth++] = children;
            }
        }
    }

    /** The big-endian unsigned length of {@code size} bytes at {@code at}. */
    private static long length(byte[] b, int at, int size) throws WampException {
        if (at + size > b.length) {
            throw WampException.violation("not a wamp.2.msgpack message: it ends inside a value");
        }
        long v = 0;
        for (int k = 0; k < size; k++) {
            v = (v << 8) | (b[at + k] & 0xff);
        }
        return v;
    }

    /** The bytes of {@code message} in this serialization. */
    public byte[] encode(ArrayNode message) {
        try {
            return mapper.writeValueAsBytes(message);
        } catch (IOException e) {
            throw new IllegalStateException("a WAMP message could not be encoded", e);
        }
    }

    /**
     * An EVENT from the shared encoding of its tail, the array {@code [Publication|id, Details|dict, Arguments|list,
     * ArgumentsKw|dict]} (two to four elements), and this subscriber's subscription id: the tail's elements are
     * shared (retained), only the head is this subscriber's.
     */
    public ByteBuf event(long subscription, ByteBuf tail) {
        int from = tail.readerIndex();
        byte[] head;
        if (binary) {
            int elements = tail.getUnsignedByte(from) & 0x0f; // a fixarray: at most four elements
            byte[] id = encodeValue(subscription);
            head = new byte[2 + id.length];
            head[0] = (byte) (0x90 | (elements + 2));
            head[1] = (byte) WampMessage.EVENT;
            System.arraycopy(id, 0, head, 2, id.length);
        } else {
            head = ("[" + WampMessage.EVENT + "," + subscription + ",").getBytes(StandardCharsets.US_ASCII);
        }
        return Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(head), tail.retainedSlice(from + 1, tail.readableBytes() - 1));
    }

    private byte[] encodeValue(long v) {
        try {
            return mapper.writeValueAsBytes(v);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses ferry.v1 JSON data (valid JSON, as the server holds it) into a tree. */
    static JsonNode parseJson(byte[] json) {
        try {
            return JSON.mapper.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("ferry.v1 data is not JSON", e);
        }
    }

    /** Compact JSON of a tree (ferry.v1 data). */
    static byte[] toJson(JsonNode n) {
        try {
            return JSON.mapper.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static ArrayNode array(int type) {
        return JsonNodeFactory.instance.arrayNode().add(type);
    }

    static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
