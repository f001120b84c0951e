/**
 * The plain-HTTP endpoints: {@code GET /healthz}, {@code POST /v1/publish/{topic}} and
 * {@code POST /v1/call/{procedure}} (see docs/http-api.md), and the router that sends every request on the port
 * to its endpoint.
 */
package dev.ferry.server.http;
