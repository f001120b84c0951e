/**
 * The client end of tunnels ({@code ferry tunnel}): {@link dev.ferry.server.tunnel.client.TunnelClient} listens
 * locally and carries each connection over its own WebSocket, through an HTTP proxy when needed
 * ({@link dev.ferry.server.tunnel.client.HttpConnectHandler} over the shared {@link dev.ferry.protocol.proxy.ProxyHandshake},
 * {@link dev.ferry.protocol.proxy.ProxySettings}). It reuses the gateway's {@link dev.ferry.server.tunnel.Relay}.
 */
package dev.ferry.server.tunnel.client;
