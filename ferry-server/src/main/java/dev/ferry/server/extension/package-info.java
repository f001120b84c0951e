/**
 * The plug-in point for code that runs inside a server without the server depending on it (bridges to
 * brokers, for instance): {@link dev.ferry.server.extension.FerryExtension} is started and closed with the
 * server and given its hub; {@link dev.ferry.server.extension.ExtensionProvider}, found with
 * {@link java.util.ServiceLoader}, creates one from a configuration section it owns. An
 * {@link dev.ferry.server.extension.EngineExtension} also offers the engine the {@code engine} key names (the Redis
 * engine of ferry-redis).
 */
package dev.ferry.server.extension;
