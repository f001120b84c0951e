/**
 * The documents of state channels (docs/protocol.md §4.6): RFC 6902 JSON Patch and RFC 7386 JSON Merge Patch on
 * Jackson's tree model, shared by the server (which validates and applies writes) and the Java client (which
 * keeps a replica up to date from the patches it receives).
 */
package dev.ferry.protocol.state;
