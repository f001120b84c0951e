package dev.ferry.server.extension;

import dev.ferry.protocol.Payload;
import java.util.Map;

/**
 * The server's check of a publication against the event class of its topic (docs/events.md), for an extension
 * that publishes what comes from outside (the RabbitMQ bridge's inbound side). Any thread.
 */
@FunctionalInterface
public interface PublicationCheck {
    /** Checks nothing: a server without event classes. */
    PublicationCheck NONE = (topic, data, tags) -> null;

    /** Null when {@code data} with {@code tags} may be published to {@code topic}, else why not (one line). */
    String check(String topic, Payload data, Map<String, String> tags);
}
