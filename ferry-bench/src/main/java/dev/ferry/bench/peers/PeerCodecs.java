package dev.ferry.bench.peers;

import java.util.List;

/** The codecs by name. */
public final class PeerCodecs {
    private PeerCodecs() {
    }

    public static List<PeerCodec> all() {
        return List.of(new FerryCodec(), new BroadcastCodec(), new SocketIoCodec(), new NatsCodec(), new MqttCodec(),
                new StompCodec(), new SockJsCodec(), WampCodecs.fanout());
    }

    /** The codec called {@code name}; throws with the known names when there is none. */
    public static PeerCodec byName(String name) {
        for (PeerCodec c : all()) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("codec: " + name + " (expected one of "
                + all().stream().map(PeerCodec::name).toList() + ")");
    }
}
