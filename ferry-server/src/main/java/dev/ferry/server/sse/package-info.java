/**
 * The HTTP streaming ways in (docs/web.md): server-sent events on {@code GET /v1/sse} (publications of the
 * requested topics, resumable with {@code Last-Event-ID}), and the HTTP-only fallback session on
 * {@code /v1/session}, which carries the whole ferry.v1 protocol over an event stream downstream and
 * {@code POST}s upstream by driving a {@link dev.ferry.server.session.Session} through its own outbound queue.
 */
package dev.ferry.server.sse;
