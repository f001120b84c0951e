/**
 * HTTP CONNECT proxies between a client and Ferry, shared by {@code ferry tunnel} and the Java client: where the
 * proxy is ({@link dev.ferry.protocol.proxy.ProxySettings}, from a URL or the environment), the {@code CONNECT}
 * exchange ({@link dev.ferry.protocol.proxy.ProxyHandshake}) and the answers to Basic and Digest challenges
 * ({@link dev.ferry.protocol.proxy.ProxyAuth}). Plain classes without sockets.
 */
package dev.ferry.protocol.proxy;
