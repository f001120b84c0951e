package dev.ferry.server.connection;

import dev.ferry.server.auth.Identity;
import java.util.List;

/**
 * What the server API shows of one connection at one moment (docs/http-api.md, "Connections").
 *
 * @param id the connection's id, unique in the cluster
 * @param identity who it is
 * @param transport {@link Transport#kind()}
 * @param address the client's {@code host:port}, or null
 * @param connectedAt when it opened, epoch milliseconds
 * @param subscriptions the patterns it holds, in the order subscribed
 * @param registrations the procedures it has registered
 * @param messagesIn publications it made
 * @param bytesIn the payload bytes of those publications
 * @param messagesOut publications delivered to it
 * @param bytesOut the payload bytes of those
 * @param queuedBytes bytes waiting in its outbound queue
 */
public record ConnectionInfo(String id, Identity identity, String transport, String address, long connectedAt,
                             List<String> subscriptions, List<String> registrations, long messagesIn, long bytesIn,
                             long messagesOut, long bytesOut, long queuedBytes) {
}
