package dev.ferry.bench.peers;

import java.util.function.Supplier;

/**
 * How the load generator speaks one peer's protocol over WebSocket: the endpoint, the subprotocol, and a
 * {@link PeerSession} per connection that frames the handshake, the subscription and the publications and reads
 * the peer's frames. Codecs are stateless and shared; sessions are per connection.
 */
public interface PeerCodec {
    /** The codec's name on the command line ({@code ferry}, {@code ws}, {@code socketio}, ...). */
    String name();

    /** Path (and query) of the WebSocket endpoint, e.g. {@code /v1/ws}. */
    String path();

    /** The subprotocol asked for on the upgrade, or {@code null} for none. */
    String subprotocol();

    /** The peer's spelling of a bench topic such as {@code bench.fanout} (MQTT: {@code bench/fanout}). */
    default String topic(String benchTopic) {
        return benchTopic;
    }

    /** Milliseconds between the client's own heartbeats ({@link PeerSession#heartbeat}), 0 for none. */
    default long heartbeatMillis() {
        return 0;
    }

    /** A new session, for one connection. */
    PeerSession session();

    /** A codec that only names its endpoint and makes sessions with {@code sessions}. */
    static PeerCodec of(String name, String path, String subprotocol, Supplier<PeerSession> sessions) {
        return new PeerCodec() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String path() {
                return path;
            }

            @Override
            public String subprotocol() {
                return subprotocol;
            }

            @Override
            public PeerSession session() {
                return sessions.get();
            }
        };
    }
}
