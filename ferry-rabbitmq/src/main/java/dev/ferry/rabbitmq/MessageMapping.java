package dev.ferry.rabbitmq;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.rabbitmq.client.AMQP;
import dev.ferry.protocol.Payload;
import java.io.IOException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How AMQP messages and Ferry publications map onto each other. A Ferry publication carries a topic, a payload
 * (JSON or binary) and tags (a small map of strings), so:
 *
 * <ul>
 *   <li>inbound, the routing key makes the topic and {@code content-type} decides the payload's kind: a JSON
 *       type ({@code application/json}, {@code text/json}, {@code application/*+json}, with or without parameters)
 *       whose body is one valid JSON value passes as JSON; every other body (and an invalid JSON one) as binary.
 *       Headers whose names are valid tag names and whose values are strings, numbers or booleans become tags
 *       (at most 32, values cut at 1024 characters; {@code x-ferry-*} and others are dropped), and
 *       {@code message-id} becomes the tag {@code message_id};</li>
 *   <li>outbound, the topic without the prefix makes the routing key; a JSON payload goes with
 *       {@code content-type: application/json}, a binary one with {@code application/octet-stream}; the message
 *       is persistent ({@code delivery-mode 2}), has {@code app-id ferry}, a {@code timestamp}, a
 *       {@code message-id} of {@code <epoch>-<offset>}, the publication's tags as headers, and headers
 *       {@code x-ferry-origin} (the node id), {@code x-ferry-topic}, {@code x-ferry-epoch} and
 *       {@code x-ferry-offset}.</li>
 * </ul>
 */
final class MessageMapping {
    static final String ORIGIN_HEADER = "x-ferry-origin";
    static final String JSON_TYPE = "application/json";
    static final String BINARY_TYPE = "application/octet-stream";
    private static final JsonFactory JSON = new JsonFactory();

    private MessageMapping() {
    }

    /** The payload for an inbound body. */
    static Payload toPayload(String contentType, byte[] body) {
        if (isJsonType(contentType) && isOneJsonValue(body)) {
            return Payload.json(body);
        }
        return Payload.binary(body);
    }

    static boolean isJsonType(String contentType) {
        if (contentType == null) {
            return false;
        }
        String t = contentType.toLowerCase(Locale.ROOT);
        int semi = t.indexOf(';');
        t = (semi < 0 ? t : t.substring(0, semi)).trim();
        return t.equals("application/json") || t.equals("text/json") || (t.startsWith("application/") && t.endsWith("+json"));
    }

    /** Whether {@code body} is exactly one JSON value (Ferry embeds JSON payloads verbatim in its frames). */
    static boolean isOneJsonValue(byte[] body) {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() == null) {
                return false;
            }
            p.skipChildren();
            return p.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }

    /** The tags of an inbound message: its string-like headers with tag-shaped names, and its message id. */
    static Map<String, String> toTags(AMQP.BasicProperties props) {
        Map<String, String> tags = new java.util.TreeMap<>();
        if (props == null) {
            return tags;
        }
        if (props.getMessageId() != null) {
            tags.put("message_id", cut(props.getMessageId()));
        }
        Map<String, Object> headers = props.getHeaders();
        if (headers != null) {
            for (Map.Entry<String, Object> h : new java.util.TreeMap<>(headers).entrySet()) {
                Object v = h.getValue();
                boolean scalar = v instanceof CharSequence || v instanceof Number || v instanceof Boolean
                        || v instanceof com.rabbitmq.client.LongString;
                if (tags.size() < dev.ferry.protocol.FrameCodec.MAX_TAGS && scalar && !h.getKey().startsWith("x-")
                        && dev.ferry.protocol.FrameCodec.checkTagName(h.getKey()) == null) {
                    tags.put(h.getKey(), cut(v.toString()));
                }
            }
        }
        return tags;
    }

    private static String cut(String s) {
        return s.length() <= dev.ferry.protocol.FrameCodec.MAX_TAG_VALUE ? s : s.substring(0, dev.ferry.protocol.FrameCodec.MAX_TAG_VALUE);
    }

    /** Whether an inbound message was published by this node (and must not come back in). */
    static boolean fromNode(AMQP.BasicProperties props, String nodeId) {
        Map<String, Object> headers = props == null ? null : props.getHeaders();
        Object origin = headers == null ? null : headers.get(ORIGIN_HEADER);
        return origin != null && origin.toString().equals(nodeId);
    }

    /** The properties of an outbound message. */
    static AMQP.BasicProperties properties(String nodeId, String topic, String epoch, long offset, boolean binary) {
        return properties(nodeId, topic, epoch, offset, binary, Map.of());
    }

    /** The properties of an outbound message whose publication carries {@code tags}. */
    static AMQP.BasicProperties properties(String nodeId, String topic, String epoch, long offset, boolean binary,
                                          Map<String, String> tags) {
        Map<String, Object> headers = new HashMap<>(tags);
        headers.put(ORIGIN_HEADER, nodeId);
        headers.put("x-ferry-topic", topic);
        headers.put("x-ferry-offset", offset);
        if (epoch != null) {
            headers.put("x-ferry-epoch", epoch);
        }
        return new AMQP.BasicProperties.Builder()
                .contentType(binary ? BINARY_TYPE : JSON_TYPE)
                .deliveryMode(2)
                .appId("ferry")
                .timestamp(new java.util.Date())
                .messageId(epoch + "-" + offset)
                .headers(headers)
                .build();
    }
}
