/**
 * Ferry's embeddable gateway. The public API is {@link dev.ferry.server.FerryServer} and the records of
 * {@link dev.ferry.server.config}; every other package under {@code dev.ferry.server} is implementation and may
 * change without notice.
 */
package dev.ferry.server;
