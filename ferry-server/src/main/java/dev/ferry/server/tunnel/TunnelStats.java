package dev.ferry.server.tunnel;

/**
 * A snapshot of one route's counters.
 *
 * @param route the route's name
 * @param path its upgrade path
 * @param open tunnels open now
 * @param accepted tunnels opened since start
 * @param refused upgrades refused because {@code max-connections} tunnels were open
 * @param bytesFromWebSocket bytes carried from WebSocket clients to the upstream
 * @param bytesToWebSocket bytes carried from the upstream to WebSocket clients
 * @param bytesInFlight bytes read on one side and not yet written on the other: what the gateway buffers now
 */
public record TunnelStats(String route, String path, int open, long accepted, long refused, long bytesFromWebSocket,
                          long bytesToWebSocket, long bytesInFlight) {
}
