/**
 * Topics by URL: per-topic sockets ({@code /v1/topics/a/b/c} upgraded to a plain WebSocket,
 * {@link dev.ferry.server.topics.TopicSocketHandler}), the paths that name them
 * ({@link dev.ferry.server.topics.TopicPath}), the topic index answered on those paths without an upgrade, and index
 * sockets ({@code /v1/index/a/b}, {@link dev.ferry.server.topics.IndexSocketHandler}) that send a prefix's index and
 * then its changes.
 */
package dev.ferry.server.topics;
