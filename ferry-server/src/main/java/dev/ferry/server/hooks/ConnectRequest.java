package dev.ferry.server.hooks;

import java.util.Map;

/**
 * The credentials of a new connection that the connect hook sends to the backend (docs/hooks.md, "connect").
 *
 * @param transport how the client connects: {@code websocket}, {@code multiplex}, {@code topic}, {@code index},
 *     {@code wamp}, {@code tunnel}, {@code amqp}, {@code sse}, {@code fallback}, {@code state}
 * @param path the path of the opening request
 * @param remoteAddr the client's address
 * @param headers the forwarded headers of the opening request ({@code hooks.connect.forward-headers}) present in it
 * @param token the token the client presented ({@code Authorization: Bearer} or {@code access_token}); null: none
 */
public record ConnectRequest(String transport, String path, String remoteAddr, Map<String, String> headers,
                             String token) {
}
