package dev.ferry.client;

/**
 * Where an acknowledged publication stands: its topic, the topic's epoch and the offset it was given
 * (docs/protocol.md §4.1), the pair its subscribers' {@code msg} frames carry.
 */
public record Published(String topic, String epoch, long offset) {
}
