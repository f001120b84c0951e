package dev.ferry.redis;

import dev.ferry.protocol.Topics;
import java.nio.charset.StandardCharsets;

/**
 * Redis keys and channels of one cluster (all under one prefix), and how Ferry patterns map onto Redis
 * subscriptions (docs/redis.md):
 * <ul>
 *   <li>a concrete topic {@code a.b} is the channel {@code P:t:{a.b}} (SUBSCRIBE);</li>
 *   <li>a pattern with wildcards becomes a glob (PSUBSCRIBE) that matches at least every topic the pattern
 *       matches: each {@code *} word becomes {@code *}, each {@code #} word becomes {@code *} and takes the
 *       dots next to it along (since {@code #} may match no word at all): {@code a.#.b} is {@code P:t:{a*b}}.
 *       Redis's {@code *} crosses dots, so the glob may match more; the node filters exactly with its topic
 *       tree.</li>
 *   <li>every key of a topic (its hash, its stream, its channel) carries the topic as a hash tag ({@code {a.b}}),
 *       and so do the two keys of a procedure: the keys one script touches live in one slot of a Redis
 *       Cluster.</li>
 * </ul>
 * Topic words never contain the glob's special characters ({@code * ? [ ] \}) nor braces: the topic grammar
 * excludes them.
 */
final class Names {
    final String prefix;
    private final String topicChannelPrefix;
    private final byte[] topicChannelPrefixBytes;

    Names(String prefix) {
        this.prefix = prefix;
        this.topicChannelPrefix = prefix + ":t:{";
        this.topicChannelPrefixBytes = topicChannelPrefix.getBytes(StandardCharsets.UTF_8);
    }

    /** The Redis subscription for a pattern: a channel, or a glob when {@link #isGlob}. */
    String subscription(String pattern) {
        if (!Topics.hasWildcard(pattern)) {
            return topicChannelPrefix + pattern + "}";
        }
        StringBuilder b = new StringBuilder(topicChannelPrefix);
        boolean glued = true; // no dot before the first word, nor next to a '#'
        for (String w : pattern.split("\\.", -1)) {
            if (w.equals(Topics.ANY_WORDS)) {
                if (b.charAt(b.length() - 1) != '*') {
                    b.append('*');
                }
                glued = true;
                continue;
            }
            if (!glued) {
                b.append('.');
            }
            b.append(w.equals(Topics.ONE_WORD) ? "*" : w);
            glued = false;
        }
        return b.append('}').toString();
    }

    static boolean isGlob(String subscription) {
        return subscription.indexOf('*') >= 0;
    }

    byte[] topicChannel(String topic) {
        return (topicChannelPrefix + topic + "}").getBytes(StandardCharsets.UTF_8);
    }

    /** The topic of a topic channel, or null for another channel. */
    String topicOf(byte[] channel) {
        if (channel.length <= topicChannelPrefixBytes.length + 1 || channel[channel.length - 1] != '}') {
            return null;
        }
        for (int i = 0; i < topicChannelPrefixBytes.length; i++) {
            if (channel[i] != topicChannelPrefixBytes[i]) {
                return null;
            }
        }
        return new String(channel, topicChannelPrefixBytes.length, channel.length - topicChannelPrefixBytes.length - 1,
                StandardCharsets.UTF_8);
    }

    byte[] meta(String topic) {
        return key("m:{" + topic + "}");
    }

    byte[] stream(String topic) {
        return key("s:{" + topic + "}");
    }

    /**
     * A publication id of a topic (docs/protocol.md, "pub"): {@code epoch SP offset} of the publication made with
     * it, for the dedup window. Tagged with the topic, so it lives in the slot of the topic's other keys.
     */
    byte[] pubId(String topic, String id) {
        return key("p:{" + topic + "}:" + id);
    }

    /** The channel on which a node receives calls and replies. */
    byte[] nodeChannel(String node) {
        return key("n:" + node);
    }

    /** The node channels' common prefix ({@code P:n:}). */
    byte[] nodeChannelPrefix() {
        return key("n:");
    }

    /** The key that exists while a node is alive. */
    byte[] nodeAlive(String node) {
        return key("alive:" + node);
    }

    /** A node's subscriber count per pattern, for the cluster-wide topic index; expires with the node. */
    byte[] nodeIndex(String node) {
        return key("index:" + node);
    }

    /** A node's registered procedures with their counts: proc to "callees policy calls rate", expiring with the node. */
    byte[] nodeProcedures(String node) {
        return key("procedures:" + node);
    }

    /** The nodes that have published their procedures (some may be gone: their key expired). */
    byte[] procedureListNodes() {
        return key("procedure-nodes");
    }

    /** The nodes that have published an index (some may be gone: their index key expired). */
    byte[] indexNodes() {
        return key("index-nodes");
    }

    /** The channel on which a node receives the server API's requests and answers (named by its connection ids' prefix). */
    byte[] adminChannel(String node) {
        return key("admin:" + node);
    }

    /** The key that exists while a node answers the server API's requests. */
    byte[] adminAlive(String node) {
        return key("admin-alive:" + node);
    }

    /** The nodes answering the server API's requests (some may be gone: their alive key expired). */
    byte[] adminNodes() {
        return key("admin-nodes");
    }

    /** A resumable session's hash ({@code n}: the node holding it, {@code s}: its state as JSON). */
    byte[] session(String id) {
        return key("session:" + id);
    }

    /** The nodes with callees of {@code proc}: a sorted set scored by when each registration expires (ms). */
    byte[] procedureNodes(String proc) {
        return key("rpc:{" + proc + "}");
    }

    byte[] procedureCounter(String proc) {
        return key("rr:{" + proc + "}");
    }

    /** A topic's presence entries: connection id to entry JSON. */
    byte[] presenceEntries(String topic) {
        return key("pe:{" + topic + "}");
    }

    /** A topic's presence connection ids scored by when their entries expire. */
    byte[] presenceExpiry(String topic) {
        return key("px:{" + topic + "}");
    }

    /** A topic's presence connection ids, all scored 0 (so in byte order, for pages). */
    byte[] presenceOrder(String topic) {
        return key("po:{" + topic + "}");
    }

    /** The channel of a topic's presence joins and leaves. */
    byte[] presenceChannel(String topic) {
        return key("pc:{" + topic + "}");
    }

    /** The topic of a presence channel, or null for another channel. */
    String topicOfPresenceChannel(byte[] channel) {
        byte[] p = (prefix + ":pc:{").getBytes(StandardCharsets.UTF_8);
        if (channel.length <= p.length + 1 || channel[channel.length - 1] != '}') {
            return null;
        }
        for (int i = 0; i < p.length; i++) {
            if (channel[i] != p[i]) {
                return null;
            }
        }
        return new String(channel, p.length, channel.length - p.length - 1, StandardCharsets.UTF_8);
    }

    private byte[] key(String s) {
        return (prefix + ":" + s).getBytes(StandardCharsets.UTF_8);
    }
}
