package dev.ferry.server.websocket;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameCodec;
import dev.ferry.protocol.Payload;
import dev.ferry.protocol.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import dev.ferry.server.hub.Delivery;
import java.nio.charset.StandardCharsets;

/**
 * How the plain WebSocket endpoints (multiplexer, per-topic sockets) map text to Ferry payloads and back
 * (docs/web.md, "Data mapping"):
 * <ul>
 *   <li>in: a text that is exactly one JSON value is that value (line breaks between its tokens become
 *       spaces, so that it stays one ferry.v1 frame); any other text is a JSON string holding the text;</li>
 *   <li>out: a JSON string payload is delivered as the string's value; any other JSON payload as its JSON text.</li>
 * </ul>
 * So {@code hello} and {@code {"a":1}} round-trip unchanged, and ferry.v1 subscribers see {@code "hello"} and
 * {@code {"a":1}}; the one text that does not round-trip is a JSON string literal ({@code "hi"} arrives as
 * {@code hi}). Stateless and thread-safe.
 */
public final class TextPayloads {
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(256).build())
            .build();

    private TextPayloads() {
    }

    /**
     * The payload a text message publishes. A text that is one JSON value but holds an escaped lone UTF-16 surrogate
     * (such as {@code "\ud800"}) is not taken as JSON, which would carry the fault on: it becomes a JSON string
     * holding the text, backslash and all.
     */
    public static Payload fromText(String text) {
        if (isOneJsonValue(text) && wellFormedEscapes(text)) {
            String compact = text.strip();
            if (compact.indexOf('\n') >= 0 || compact.indexOf('\r') >= 0) {
                // In valid JSON a raw CR or LF can only be whitespace between tokens (inside strings it is escaped).
                compact = compact.replace('\n', ' ').replace('\r', ' ');
            }
            return Payload.json(compact);
        }
        return Payload.json(FrameCodec.quote(text));
    }

    /** The text that delivers a JSON payload; binary payloads have none ({@code null}). */
    public static String toText(Payload payload) {
        if (payload.isBinary()) {
            return null;
        }
        byte[] b = payload.bytes();
        if (b.length > 0 && b[0] == '"') {
            try (JsonParser p = JSON.createParser(b)) {
                if (p.nextToken() == JsonToken.VALUE_STRING) {
                    return p.getText();
                }
            } catch (Exception e) {
                // not a string after all: deliver the JSON text
            }
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    /**
     * The key of the plain-socket encoding of a publication ({@link #encode}): shared by the multiplexer and the
     * per-topic sockets of an event loop, so that a publication is mapped to text once for all of them.
     */
    public static final Object PLAIN = "plain-payload";

    /**
     * A publication as plain sockets write it: the text {@link #toText} gives for a JSON payload, the bytes of a
     * binary one (the delivery says which).
     */
    public static ByteBuf encode(Delivery d) {
        Payload data = d.msg().data();
        if (data.isBinary()) {
            return Unpooled.wrappedBuffer(data.bytes());
        }
        return Unpooled.copiedBuffer(toText(data), StandardCharsets.UTF_8);
    }

    /** Decodes the ferry.v1 {@code msg} frame that the hub fans out. */
    public static Frame.Msg decodeMsg(ByteBuf frame, boolean binary) {
        byte[] bytes = ByteBufUtil.getBytes(frame, frame.readerIndex(), frame.readableBytes(), false);
        try {
            Frame f = binary ? FrameCodec.decodeBinary(bytes) : FrameCodec.decodeText(new String(bytes, StandardCharsets.UTF_8));
            return (Frame.Msg) f;
        } catch (ProtocolException | ClassCastException e) {
            throw new IllegalStateException("the hub delivered something other than a msg frame", e);
        }
    }

    private static boolean wellFormedEscapes(String text) {
        if (text.indexOf('\\') < 0) {
            return true;
        }
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return dev.ferry.protocol.JsonText.unicodeFault(b, 0, b.length) == null;
    }

    private static boolean isOneJsonValue(String text) {
        if (text.isBlank()) {
            return false;
        }
        try (JsonParser p = JSON.createParser(text)) {
            if (p.nextToken() == null) {
                return false;
            }
            p.skipChildren();
            return p.nextToken() == null;
        } catch (Exception e) {
            return false;
        }
    }
}
