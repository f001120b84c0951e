package dev.ferry.bench.peers;

import java.net.URI;
import picocli.CommandLine.Option;

/**
 * The options every many-connection peer command takes: which peer, spoken through which codec, at which URL,
 * and how its connections are made (a picocli mixin of {@code peer-fanout} and {@code peer-idle}).
 */
final class PeerConnections {
    @Option(names = "--peer", required = true, description = "Label of the peer in the results, e.g. nats.")
    String peer;

    @Option(names = "--codec", required = true, description = "ferry, ws, socketio, nats, mqtt, stomp, sockjs or wamp (WAMP at Ferry's /v1/wamp).")
    String codec;

    @Option(names = "--url", required = true, description = "The peer's base URL on loopback, e.g. ws://127.0.0.1:8080 (the codec adds its path).")
    URI url;

    @Option(names = "--connect-concurrency", defaultValue = "200", description = "Connections set up at once (default ${DEFAULT-VALUE}).")
    int connectConcurrency;

    @Option(names = "--source-addresses", defaultValue = "0", description = "Loopback source addresses (default 0: one per 16,000 connections).")
    int sourceAddresses;

    @Option(names = "--client-threads", defaultValue = "0", description = "Client event loops (default 0: one per core).")
    int clientThreads;
}
