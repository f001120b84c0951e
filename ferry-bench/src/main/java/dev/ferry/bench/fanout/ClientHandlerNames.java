package dev.ferry.bench.fanout;

/** Names of the handlers in a bench connection's pipeline. */
final class ClientHandlerNames {
    static final String HTTP_CODEC = "http-codec";
    static final String HTTP_AGGREGATOR = "http-aggregator";
    static final String WEBSOCKET = "websocket";
    static final String WEBSOCKET_AGGREGATOR = "websocket-aggregator";
    static final String APPLICATION = "application";

    private ClientHandlerNames() {
    }
}
