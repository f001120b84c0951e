/**
 * The Redis engine (docs/redis.md): offsets, epochs and history in Redis (one hash and one stream per topic,
 * changed atomically by Lua scripts), publications carried by Redis pub/sub over one subscriber connection per
 * node, and RPC between nodes through a registry of procedures and one request/reply channel per node.
 */
package dev.ferry.redis;
