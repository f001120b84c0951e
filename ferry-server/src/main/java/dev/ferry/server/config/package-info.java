/**
 * Typed, immutable configuration: records validated in their compact constructors, loaded from YAML and overridden
 * by environment variables and command-line settings ({@link dev.ferry.server.config.ConfigLoader}). Every key and
 * its default is listed in {@code docs/configuration.md}.
 */
package dev.ferry.server.config;
