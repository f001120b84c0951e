/**
 * The Engine SPI: what a node needs from the backend that assigns offsets, keeps history and carries
 * publications and calls between nodes ({@link dev.ferry.server.engine.Engine}), and the in-memory engine of a
 * single node ({@link dev.ferry.server.engine.MemoryEngine}). Other engines (ferry-redis) are offered by
 * extensions ({@link dev.ferry.server.extension.EngineExtension}), the one plug-in mechanism of the server.
 */
package dev.ferry.server.engine;
