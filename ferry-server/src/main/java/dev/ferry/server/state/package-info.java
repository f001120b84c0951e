/**
 * State channels (docs/protocol.md §4.6): topics that hold one versioned JSON document. {@link
 * dev.ferry.server.state.StateChannels} validates and applies writes (JSON Merge Patch or JSON Patch, optional
 * compare-and-set) through the engine's {@link dev.ferry.server.engine.StateStore}; a change is the topic's next
 * publication, so fan-out, history and cross-node delivery are the topic's own. {@link
 * dev.ferry.server.state.StateCommands} serves the ferry.v1 commands of one connection, and {@link
 * dev.ferry.server.state.StateFollower} turns a topic's publications into a snapshot followed by patches.
 */
package dev.ferry.server.state;
