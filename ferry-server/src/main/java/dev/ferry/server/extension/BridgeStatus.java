package dev.ferry.server.extension;

import java.util.Map;
import java.util.Objects;

/**
 * One link an extension keeps to another messaging system (a RabbitMQ bridge, for instance), as
 * {@code GET /v1/admin/bridges} lists it (docs/http-api.md).
 *
 * @param extension the extension's {@link FerryExtension#name()}
 * @param name the link's configured name
 * @param state {@code connected}, {@code connecting} (set up or retrying) or {@code stopped}
 * @param details what else an operator needs to know about it, JSON-ready: strings, numbers, booleans and lists
 *     of those, never a credential
 */
public record BridgeStatus(String extension, String name, String state, Map<String, Object> details) {
    public static final String CONNECTED = "connected";
    public static final String CONNECTING = "connecting";
    public static final String STOPPED = "stopped";

    public BridgeStatus {
        Objects.requireNonNull(extension, "extension");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
        details = details == null ? Map.of() : details;
    }
}
