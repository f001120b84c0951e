package dev.ferry.server.engine;

/**
 * Where a publication stands in its topic: the topic's epoch and the offset the publication was given, as the
 * {@code pub} acknowledgement and the HTTP publish answer report them (docs/protocol.md §4.1).
 */
public record Published(String epoch, long offset) {
}
