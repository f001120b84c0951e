package dev.ferry.server.config;

/**
 * permessage-deflate (RFC 7692) on the WebSocket endpoints.
 *
 * @param enabled whether the extension is negotiated with a client that offers it (default false)
 * @param thresholdBytes messages from the server smaller than this go uncompressed (default 1 KiB)
 * @param level the deflate level, 1 (fastest) to 9 (smallest) (default 6)
 */
public record DeflateConfig(boolean enabled, int thresholdBytes, int level) {
    /** Off, with the declared defaults for threshold and level. */
    public static final DeflateConfig OFF = new DeflateConfig(false, 1024, 6);

    public DeflateConfig {
        Checks.declared("websocket.deflate-threshold-bytes", thresholdBytes);
        Checks.declared("websocket.deflate-level", level);
    }

    /** On, with this threshold and the default level. */
    public static DeflateConfig on(int thresholdBytes) {
        return new DeflateConfig(true, thresholdBytes, OFF.level());
    }
}
