package dev.ferry.server.config;

import dev.ferry.protocol.Topics;
import java.util.List;

/**
 * State channels (docs/protocol.md §4.6): which topics hold a versioned JSON document, and how large it may grow.
 *
 * @param maxDocumentBytes largest document, in bytes of compact JSON, of a channel whose rule sets no limit, and of
 *     channels created on write (default 64 KiB)
 * @param createOnWrite whether a state write to a topic that no rule names makes it a state channel (default
 *     false)
 * @param channels the rules naming state channels by topic pattern; the first (in name order) matching a topic
 *     applies (default: none)
 */
public record StateConfig(int maxDocumentBytes, boolean createOnWrite, List<Channel> channels) {
    public static final int DEFAULT_MAX_DOCUMENT_BYTES = 64 * 1024;
    public static final StateConfig DEFAULT = new StateConfig(DEFAULT_MAX_DOCUMENT_BYTES, false, List.of());

    /** The topics matching {@code pattern} are state channels ({@code state.channels.<name>.*}). */
    public record Channel(String name, String pattern, int maxDocumentBytes) {
        public Channel {
            String key = "state.channels." + name;
            Checks.pattern(key + ".pattern", pattern);
            Checks.declared(key + ".max-document-bytes", maxDocumentBytes);
        }
    }

    public StateConfig {
        Checks.declared("state.max-document-bytes", maxDocumentBytes);
        channels = List.copyOf(Checks.notNull("state.channels", channels));
    }

    /** The rule that makes {@code topic} a state channel, or null. */
    public Channel channelFor(String topic) {
        for (Channel c : channels) {
            if (Topics.matches(c.pattern(), topic)) {
                return c;
            }
        }
        return null;
    }
}
