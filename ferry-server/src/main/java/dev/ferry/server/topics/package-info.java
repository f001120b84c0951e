/**
 * Topics by URL: per-topic sockets ({@code /v1/topics/a/b/c} upgraded to a plain WebSocket,
 * {@link dev.ferry.server.topics.TopicSocketHandler}), the paths that name them
 * ({@link dev.ferry.server.topics.TopicPath}), and the topic index answered on those paths without an upgrade.
 */
package dev.ferry.server.topics;
