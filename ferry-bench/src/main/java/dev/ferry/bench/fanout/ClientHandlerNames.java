package dev.ferry.bench.fanout;

/** Names of the handlers in a bench connection's pipeline. */
public final class ClientHandlerNames {
    static final String HTTP_CODEC = "http-codec";
    static final String HTTP_AGGREGATOR = "http-aggregator";
    /** permessage-deflate negotiation, then its encoder and decoder (when the connection offers it). */
    static final String DEFLATE = "deflate";
    static final String WEBSOCKET = "websocket";
    static final String WEBSOCKET_AGGREGATOR = "websocket-aggregator";
    public static final String APPLICATION = "application";

    private ClientHandlerNames() {
    }
}
