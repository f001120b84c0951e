package dev.ferry.server.topics;

import dev.ferry.protocol.Topics;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;

/**
 * The topic named by a path under {@code /v1/topics/}: one percent-decoded word per segment, joined with dots
 * ({@code /v1/topics/chat/room1} is {@code chat.room1}; {@code /v1/topics/chat/%2A} and {@code /v1/topics/chat/*}
 * are the pattern {@code chat.*}, {@code %23} is {@code #}).
 *
 * @param pattern the topic or pattern, or {@code null} when the path is bad
 * @param problem why the path names no valid topic or pattern, or {@code null}
 */
public record TopicPath(String pattern, String problem) {
    public static final String ROOT = "/v1/topics";
    public static final String PREFIX = ROOT + "/";

    /** Parses the raw (still percent-encoded) path, which starts with {@link #PREFIX}. */
    public static TopicPath parse(String rawPath) {
        return parseWords(rawPath.substring(PREFIX.length()));
    }

    /** Parses {@code tail}, raw (still percent-encoded) path segments separated by {@code /}, one word each. */
    public static TopicPath parseWords(String tail) {
        String[] segments = tail.split("/", -1);
        StringBuilder topic = new StringBuilder(tail.length());
        for (int i = 0; i < segments.length; i++) {
            String word;
            try {
                word = QueryStringDecoder.decodeComponent(segments[i].replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return bad("path segment " + (i + 1) + " is not valid percent-encoding");
            }
            if (word.isEmpty()) {
                return bad("path segment " + (i + 1) + " is empty (leading, trailing or double slash)");
            }
            if (word.indexOf('.') >= 0) {
                return bad("path segment " + (i + 1) + " contains a dot: each segment is one word of the topic");
            }
            if (i > 0) {
                topic.append('.');
            }
            topic.append(word);
        }
        String pattern = topic.toString();
        String why = Topics.checkPattern(pattern);
        return why == null ? new TopicPath(pattern, null) : bad(why);
    }

    private static TopicPath bad(String why) {
        return new TopicPath(null, why);
    }
}
