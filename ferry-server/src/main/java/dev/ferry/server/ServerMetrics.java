package dev.ferry.server;

/**
 * A snapshot of the server's counters.
 *
 * @param openConnections TCP connections open (HTTP and WebSocket)
 * @param openSessions ferry.v1 WebSocket sessions open
 * @param subscriptions (pattern, connection) subscriptions held
 * @param pendingCalls RPC calls waiting for a reply
 * @param slowConsumerCloses connections closed with 4001 since start because their outbound queue overflowed
 * @param lossyDrops publications of lossy topics dropped since start for subscribers that were behind
 */
public record ServerMetrics(int openConnections, int openSessions, int subscriptions, int pendingCalls,
                            long slowConsumerCloses, long lossyDrops) {
}
