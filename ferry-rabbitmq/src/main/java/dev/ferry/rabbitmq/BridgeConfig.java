package dev.ferry.rabbitmq;

import dev.ferry.protocol.Topics;
import dev.ferry.server.config.ConfigException;
import java.util.List;
import java.util.Objects;

/**
 * One bridge between an exchange and Ferry topics ({@code rabbitmq.bridges.<name>.*}).
 *
 * @param name        the {@code <name>} word of its keys
 * @param exchange    the exchange (must exist; the bridge does not declare it)
 * @param direction   in, out or both
 * @param topicPrefix words put in front of a routing key to make the Ferry topic (and taken off the topic to make
 *                    the routing key); empty for none
 * @param patterns    routing-key patterns (AMQP topic syntax, which is Ferry's): what is bound inbound, and what
 *                    is carried outbound
 * @param bind        interest (bind what Ferry clients subscribe to) or fixed (bind every pattern)
 * @param queue       the inbound queue's name; empty for a server-named exclusive auto-delete queue
 * @param durable     whether a named queue is durable (and not exclusive, not auto-delete)
 * @param prefetch    unacknowledged inbound deliveries allowed at once
 */
public record BridgeConfig(String name, String exchange, Direction direction, String topicPrefix, List<String> patterns,
                           BindMode bind, String queue, boolean durable, int prefetch) {
    public BridgeConfig {
        Objects.requireNonNull(name, "name");
        String k = RabbitConfig.BRIDGES + name + ".";
        if (exchange == null) {
            throw new ConfigException(k + "exchange: missing (expected: the name of an existing exchange)");
        }
        if (direction == null) {
            throw new ConfigException(k + "direction: missing (expected: in, out or both)");
        }
        topicPrefix = topicPrefix == null ? "" : topicPrefix;
        if (!topicPrefix.isEmpty()) {
            String why = Topics.checkTopic(topicPrefix);
            if (why != null) {
                throw new ConfigException(k + "topic-prefix: \"" + topicPrefix + "\" (expected: topic words without "
                        + "wildcards; " + why + ")");
            }
        }
        if (patterns == null || patterns.isEmpty()) {
            throw new ConfigException(k + "patterns: missing (expected: one or more routing-key patterns such as "
                    + "v02.post.#)");
        }
        for (String p : patterns) {
            String why = Topics.checkPattern(p);
            if (why != null) {
                throw new ConfigException(k + "patterns: \"" + p + "\" (" + why + ")");
            }
            String full = topicPrefix.isEmpty() ? p : topicPrefix + "." + p;
            if (Topics.checkPattern(full) != null) {
                throw new ConfigException(k + "patterns: \"" + p + "\" with topic-prefix \"" + topicPrefix
                        + "\" is not a valid Ferry pattern (" + Topics.checkPattern(full) + ")");
            }
        }
        patterns = List.copyOf(patterns);
        bind = bind == null ? BindMode.INTEREST : bind;
        queue = queue == null ? "" : queue;
        if (durable && queue.isEmpty()) {
            throw new ConfigException(k + "durable: true needs " + k + "queue (a server-named queue cannot outlive "
                    + "its connection)");
        }
        if (durable && bind == BindMode.INTEREST) {
            throw new ConfigException(k + "durable: true needs " + k + "bind: fixed (interest bindings follow the "
                    + "subscriptions of one run and would be left behind on a durable queue)");
        }
        if (!queue.isEmpty() && !direction.inbound()) {
            throw new ConfigException(k + "queue: only an inbound bridge (direction in or both) has a queue");
        }
        if (prefetch <= 0 || prefetch > 65535) {
            throw new ConfigException(k + "prefetch: " + prefetch + " (expected: 1 to 65535)");
        }
    }

    /** The Ferry pattern (or topic) for a routing-key pattern (or key): the prefix, a dot, the key. */
    public String toFerry(String routingKey) {
        if (topicPrefix.isEmpty()) {
            return routingKey;
        }
        return routingKey.isEmpty() ? topicPrefix : topicPrefix + "." + routingKey;
    }

    /**
     * The routing key for a Ferry topic (or pattern) known to start with the prefix's words: the topic without
     * them.
     */
    public String toRoutingKey(String ferry) {
        if (topicPrefix.isEmpty()) {
            return ferry;
        }
        return ferry.length() == topicPrefix.length() ? "" : ferry.substring(topicPrefix.length() + 1);
    }

    /** The configured patterns as Ferry patterns. */
    public List<String> ferryPatterns() {
        return patterns.stream().map(this::toFerry).toList();
    }
}
