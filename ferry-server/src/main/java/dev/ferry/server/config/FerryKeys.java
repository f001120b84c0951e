package dev.ferry.server.config;

import java.util.List;

/**
 * The declaration of every key of the server itself: name, type, default, range and meaning, in the order of
 * docs/configuration.md, whose tables are generated from here ({@code ferry config docs}). Extensions declare
 * their own sections the same way ({@link dev.ferry.server.extension.ExtensionProvider#schema()}).
 */
public final class FerryKeys {
    /** The default of {@code limits.reassembly-bytes}: a quarter of the maximum heap, at most 64 MiB. */
    public static final int DEFAULT_REASSEMBLY_BYTES = (int) Math.min(64L << 20, Runtime.getRuntime().maxMemory() / 4);

    public static final ConfigSchema SCHEMA = ConfigSchema.builder()
            .table("keys")
            .string("server.host", "127.0.0.1", null,
                    "address to bind; `0.0.0.0` or `::` for all interfaces")
            .integer("server.port", "8080", null,
                    "TCP port; `0` picks a free one (the bound port is logged)").range(0, 65535)
            .integer("server.io-threads", "0", null,
                    "event-loop threads; `0` means one per core").min(0)
            .bool("server.native-transport", "true", null,
                    "use epoll where available (Linux); NIO otherwise")
            .duration("server.shutdown-grace", "10s", null,
                    "how long a graceful shutdown waits for connections to drain before closing them")
            .size("websocket.max-message-bytes", "1MiB", null,
                    "largest WebSocket message accepted, after reassembly of fragments (at least 256); a larger one gets `message_too_large` and close 1009").min(256)
            .duration("websocket.handshake-timeout", "10s", null,
                    "time from TCP accept to a complete first HTTP request (and so to the WebSocket upgrade); also the idle limit between requests on a keep-alive HTTP connection")
            .duration("websocket.ping-interval", "25s", null,
                    "the server pings a connection from which nothing has arrived for this long")
            .duration("websocket.idle-timeout", "60s", null,
                    "a connection from which nothing (not even a pong) arrives for this long is closed with 4002; must be longer than `websocket.ping-interval`")
            .integer("websocket.max-subscriptions", "1000", null,
                    "patterns one connection may hold, and apart from them procedures it may register; one more is `too_many_subscriptions`").min(1)
            .size("websocket.outbound-queue-bytes", "4MiB", null,
                    "bytes that may wait for one connection beyond what the socket accepts; past it the connection is closed as a slow consumer (4001). At least `websocket.max-message-bytes`")
            .duration("websocket.fragment-timeout", "10s", null,
                    "time from the first fragment of a fragmented WebSocket message to its last, on every WebSocket endpoint (ferry.v1, multiplexer, per-topic sockets); a message not completed in time closes the connection with 4008 `message not completed in time`, whatever else (pongs, pings) arrives meanwhile")
            .bool("websocket.deflate", "false", null,
                    "negotiate permessage-deflate (RFC 7692) with a client that offers it, on the ferry.v1, multiplexer, per-topic, index and WAMP (`/v1/wamp`) sockets (not on tunnels); the server compresses without context takeover (it says `server_no_context_takeover`), so a publication is compressed once per event loop for all its subscribers that negotiated it. A client's compressed message counts against `websocket.max-message-bytes` once inflated (close 1009 beyond it)")
            .size("websocket.deflate-threshold-bytes", "1KiB", null,
                    "with `websocket.deflate`, messages from the server smaller than this go uncompressed").min(0)
            .integer("websocket.deflate-level", "6", null,
                    "with `websocket.deflate`, the deflate level: 1 is fastest, 9 compresses most").range(1, 9)
            .duration("rpc.default-timeout", "30s", null,
                    "timeout of a call that names none")
            .duration("rpc.max-timeout", "5m", null,
                    "largest timeout a caller may ask for; more is `bad_timeout`")
            .choice("rpc.routing", List.of("round-robin", "local-first"), "round-robin", null,
                    "how a call picks among the callees of its procedure on this node: `round-robin` among all of them, or `local-first`: round-robin among those served by the caller's own event loop when there are any (the call and its result cross no thread: about a third off an unloaded round trip, docs/benchmarks/log.md, \"Optimisation: RPC path\"), else among all. `local-first` suits a backend that opens one callee connection per server core; its load then follows where the callers landed")
            .list("http.api-keys", null, null,
                    "keys accepted by the HTTP API (`/v1/publish/…`, `/v1/call/…`, `/v1/history/…`) as `Authorization: Bearer <key>`, at least 16 characters each, each allowed everything; with no key and no `auth.issuers` the API answers 403 `api_disabled`. In YAML the same key may instead be a mapping of **named keys** with their own permissions (the two keys below; docs/security.md)")
            .string("http.api-keys.<name>.key", null, "—",
                    "the secret of the named key `<name>` (letters, digits, `_`, `-`), at least 16 characters")
            .list("http.api-keys.<name>.allow", null, "—",
                    "what the named key may do: a list of grants `<actions> <pattern>` such as `publish+call orders.#` (docs/security.md); at least one")
            .size("http.max-body-bytes", "1MiB", null,
                    "largest HTTP request body accepted; a larger one is answered 413").min(256)
            .integer("history.size", "100", null,
                    "publications kept per topic for recovery and `history`; `0` keeps none").min(0)
            .duration("history.ttl", "5m", null,
                    "how long a publication is kept")
            .integer("history.max-recovery", "1000", null,
                    "the page size of a recovery: a `sub` with `since` (or a resumed session, or SSE `Last-Event-ID`) replays a larger gap in pages of this many publications, each read once the previous one is written (docs/protocol.md §4.1); also the largest `limit` of `history`").min(1)
            .string("history.rules.<name>.pattern", null, "—",
                    "a topic pattern whose topics keep history by this rule's limits instead of `history.size` and `history.ttl`; the first rule in name order whose pattern matches a topic applies (lossy topics keep none whatever the rules)")
            .integer("history.rules.<name>.size", null, "`history.size`",
                    "publications kept per topic of the rule's pattern; `0` keeps none").min(0)
            .duration("history.rules.<name>.ttl", null, "`history.ttl`",
                    "how long a publication of the rule's pattern is kept")
            .list("history.lossy-topics", null, null,
                    "patterns of lossy topics: no history, and a subscriber that falls behind loses their publications (counted) instead of being closed")
            .list("web.allowed-origins", null, "none (same origin only)",
                    "origins, such as `https://app.example.com`, whose pages may open Ferry's WebSockets (`/v1/ws`, `/v1/multiplex`, `/v1/topics/…`), event streams (`/v1/sse`) and fallback sessions (`/v1/session…`) besides the server's own; `*` allows every origin, `null` allows pages with an opaque origin. A request without `Origin` (a non-browser client) is always allowed; a refused one gets `403 origin_not_allowed` (docs/web.md)")
            .list("web.cors-origins", null, null,
                    "origins to which HTTP responses carry CORS headers (`Access-Control-Allow-Origin`) and whose preflight requests are answered; `*` for any. With none, no CORS headers are sent and browsers on other origins cannot read the HTTP API")
            .path("tls.cert", null, "none (TLS off)",
                    "PEM certificate chain, leaf first: with it, the one port speaks https and wss")
            .path("tls.key", null, null,
                    "PEM private key (PKCS#8) of the leaf certificate; required with `tls.cert`")
            .bool("tls.redirect-http", "true", null,
                    "plain-HTTP requests that reach the TLS port are answered `308 Permanent Redirect` to the same URL over https; `false` closes them")
            .duration("tls.reload-interval", "1m", null,
                    "how often the certificate and key files are checked; a changed, valid pair is used for new connections without a restart (a bad one is logged and the current pair kept)")
            .duration("tls.hsts.max-age", null, "none (no header)",
                    "with it, every HTTP response over TLS (the `101` of WebSocket upgrades included, the plain-HTTP redirect never) carries `Strict-Transport-Security: max-age=<seconds>`; whole seconds, such as `8760h` for a year; `0s` tells browsers to forget the policy (docs/security.md, \"TLS\")")
            .bool("tls.hsts.include-subdomains", "false", null,
                    "adds `; includeSubDomains` to that header, so browsers use https for every subdomain too; only with `tls.hsts.max-age`")
            .choice("tls.client-auth", List.of("none", "want", "need"), "none", null,
                    "client certificates (mutual TLS): `none` does not ask for one; `want` asks, and a client that sends none connects as it would without this key; `need` fails the handshake of a client that sends none. A certificate that does not chain to `tls.client-ca` fails the handshake in both modes. A verified certificate is the client's identity when the request carries no token or API key (docs/security.md, \"Client certificates\"); needs `tls.cert`")
            .path("tls.client-ca", null, "none",
                    "PEM file of the CA certificates that issue client certificates (each must be a CA certificate); required with `tls.client-auth` `want` or `need`, refused with `none`. Only these CAs are trusted for clients, never the JVM's trust store; reloaded like the certificate (`tls.reload-interval`)")
            .size("tunnel.max-frame-bytes", "2MiB", null,
                    "largest WebSocket frame accepted on an AMQP or TCP tunnel (at least 4096); a larger one closes the tunnel with 1009. AMQP clients send frames of up to 1 MiB").min(4096)
            .duration("tunnel.idle-ping", "25s", null,
                    "a tunnel on which nothing has moved for this long gets a WebSocket ping, so that proxies do not cut quiet links")
            .duration("tunnel.connect-timeout", "10s", null,
                    "how long a tunnel upgrade waits for the upstream TCP (and TLS) connection before answering 502")
            .choice("engine", List.of("memory", "redis"), "memory", null,
                    "what carries publications, history and calls: `memory` (this node only) or `redis` (several nodes sharing one Redis behave as one; needs the `ferry-redis` extension, included in the `ferry` jar, whose `redis.*` keys are listed under \"Extension sections\"; docs/redis.md)")
            .duration("publish.dedup-window", "2m", null,
                    "how long a publication id (`pub_id` of `pub`, header `Ferry-Pub-Id` of `POST /v1/publish`) is remembered: a publication to the same topic with the same id within this time is answered with the first one's epoch and offset and not published again (docs/protocol.md, \"pub\"). With `engine: redis` the ids live in Redis, shared by every node")
            .integer("publish.dedup-max-ids", "100000", null,
                    "with `engine: memory`, the most publication ids the node remembers at once (about 250 bytes of heap each); a `pub` with a new id beyond it is refused with `too_many_pub_ids` (HTTP `429`) and not published, until the oldest ids expire. Publications without an id are not affected. With `engine: redis` each id is a Redis key that expires after `publish.dedup-window` (Redis memory: about 100 bytes × ids published per window) and this cap does not apply").min(1)
            .duration("sse.heartbeat-interval", "15s", null,
                    "an open event stream (`GET /v1/sse`, a fallback session's `events`) gets a `: ping` comment this often, so that proxies do not close it as idle")
            .integer("sse.max-topics", "32", null,
                    "`topic` parameters one `GET /v1/sse` request may name; more is `400 bad_request`").min(1)
            .size("sse.outbound-queue-bytes", "4MiB", null,
                    "bytes that may wait for one event stream, or for one fallback session, beyond what the socket accepts; past it the stream is ended as a slow consumer (a fallback session is closed). At least 256").min(256)
            .duration("sse.session-timeout", "30s", null,
                    "a fallback session (`POST /v1/session`) with no event stream attached for this long expires: it is closed, its subscriptions, registrations and calls released")
            .bool("auth.anonymous", "true", null,
                    "whether a client may connect without a token; with `false` an upgrade without one is answered 401 (on `/v1/wamp`, HELLO's `ticket` or `wampcra` authenticates instead, docs/wamp.md)")
            .string("auth.cookie", "", "none",
                    "name of a cookie that may carry the token when the client sends no `Authorization` header")
            .bool("auth.query-param", "true", null,
                    "whether the `access_token` query parameter may carry the token (browsers cannot set headers on a WebSocket)")
            .duration("auth.clock-skew", "30s", null,
                    "tolerance when checking a token's `exp` and `nbf` (0 to 10m)")
            .string("auth.grants-claim", "ferry", null,
                    "the claim in which a token may carry its own grants, narrowed by `auth.rules` (docs/security.md)")
            .list("auth.rules", null, null,
                    "permission rules `<actions> <pattern> <who>` (docs/security.md); none: every client may do everything; once any exists, what no rule allows is denied")
            .string("auth.issuers.<name>.issuer", null, "—",
                    "the exact `iss` of the tokens of the issuer configured as `<name>`; tokens are checked only against that issuer's keys")
            .string("auth.issuers.<name>.secret", null, null,
                    "a shared HMAC secret (HS256/384/512) of at least 32 bytes; HS384 and HS512 need 48 and 64")
            .list("auth.issuers.<name>.public-keys", null, null,
                    "PEM files with RSA (at least 2048 bits), EC P-256 or Ed25519 public keys, or certificates")
            .string("auth.issuers.<name>.jwks-file", null, null,
                    "a JWKS file, read at start and every `jwks-refresh`")
            .string("auth.issuers.<name>.jwks-url", null, null,
                    "an http(s) URL serving the issuer's JWKS (public keys only: secrets served there are ignored), fetched at start, every `jwks-refresh`, and when a token names an unknown key id (at most every 10s)")
            .duration("auth.issuers.<name>.jwks-refresh", "5m", null,
                    "how often the JWKS file or URL is read again")
            .list("auth.issuers.<name>.audience", null, null,
                    "accepted `aud` values: a token must name one; none: `aud` is not checked (set it whenever the issuer serves other applications)")
            .integer("limits.publish-rate", "0", null,
                    "publications per second one connection may sustain (token bucket); `0` is unlimited; beyond it a publication on any transport is refused (`rate_limited`; a per-topic socket closes with 4010, docs/security.md)").min(0)
            .integer("limits.publish-burst", "0", null,
                    "publications a connection may send at once above the rate; `0` means the rate (at least 1)").min(0)
            .integer("limits.call-rate", "0", null,
                    "calls per second one connection may sustain; `0` is unlimited; beyond it `call` is answered `rate_limited`").min(0)
            .integer("limits.call-burst", "0", null,
                    "calls a connection may make at once above the rate; `0` means the rate (at least 1)").min(0)
            .integer("limits.max-pending-calls", "1000", null,
                    "calls one connection may have waiting for a reply; one more is `too_many_pending_calls`").min(1)
            .integer("limits.connections-per-ip", "0", null,
                    "TCP connections one client address may hold; `0` is unlimited; one more is answered 429 `too_many_connections` and closed. Each open fallback session (`POST /v1/session`) counts as one more; a session beyond it is answered 429 and the connection stays open").min(0)
            .integer("limits.max-connections", "0", null,
                    "TCP connections the server holds in all; `0` is unlimited; one more is answered 503 `too_many_connections` and closed. Open fallback sessions count too; a session beyond it is answered 503 and the connection stays open").min(0)
            .integer("limits.message-rate", "0", null,
                    "ferry.v1 frames per second one connection may send, whatever they are (a flood of `ping` or `sub` counts too); `0` is unlimited; beyond it a frame is answered `rate_limited` with `data: {\"action\":\"message\"}` and not processed (see `limits.message-excess` for a connection that goes on). It applies to fallback sessions, and to messages on per-topic sockets and the multiplexer").min(0)
            .integer("limits.message-burst", "0", null,
                    "frames one connection may send at once above `limits.message-rate` (`0`: the rate, at least 1)").min(0)
            .integer("limits.max-topics", "0", null,
                    "topics the memory engine holds at once; `0` derives it from the heap: one topic per 2 KiB of the JVM's maximum heap (131,072 with `-Xmx256m`, 2,097,152 with `-Xmx4g`). A publication or state write that would create one more topic is refused with `too_many_topics` (HTTP 503) and publishes nothing. A topic is held while it has a local subscriber of a matching pattern, a state document, or unexpired history (`history.ttl`); the others are freed within about a second, so a topic without history (`history.size: 0`, lossy topics) is held only while subscribed; a freed topic published to again starts a new epoch (docs/protocol.md §4.1). The Redis engine keeps topics in Redis and ignores this key").min(0)
            .integer("limits.message-excess", "100", null,
                    "frames beyond `limits.message-rate` one connection may send within one second of the first one refused (each is answered `rate_limited`); the next one closes the connection with 4010 `rate limit exceeded`, and a message that would be that one is not even decoded. `0`: the first frame beyond the rate closes. Per-topic sockets and the multiplexer, which cannot be told that a message was refused, close with 4010 at the first message beyond the rate (docs/security.md, \"Limits\")").min(0)
            .size("limits.reassembly-bytes", Integer.toString(DEFAULT_REASSEMBLY_BYTES), "a quarter of the maximum heap, at most `64MiB`",
                    "bytes of unfinished fragmented WebSocket messages the server holds in all connections together (a message's fragments count from its first to its last); a fragment that would pass it closes its connection with 4009 `reassembly budget exhausted` and frees what that connection held. Unfragmented messages do not count").min(1)
            .duration("session.ttl", "5m", null,
                    "how long a resumable session (and its durable subscriptions) outlives its last connection; within it a client may resume (docs/protocol.md §4.5)")
            .string("session.secret", null, "none (generated)",
                    "HMAC-SHA256 key that signs session tokens, at least 16 bytes. When unset a random 256-bit key is generated at start, so tokens do not survive a restart (presented after it, they read as an expired session). **Every node of a multi-node deployment must be configured with the same secret** (keep it out of version control: use `FERRY_SESSION_SECRET`)")
            .string("session.cookie", "ferry_session", null,
                    "name of the cookie set on the ferry.v1 upgrade response with the session token (`HttpOnly`, `SameSite=Lax`, `Path=/v1/ws`, `Secure` over TLS) and read back on the next upgrade; empty: no cookie")
            .size("state.max-document-bytes", "64KiB", null,
                    "largest document, in bytes of compact JSON, of a state channel whose rule sets no limit and of channels created on write; a write that would make it larger is refused with `document_too_large` (docs/protocol.md §4.6)").min(1)
            .bool("state.create-on-write", "false", null,
                    "whether a state write (`state_update`, `PATCH /v1/state/…`) to a topic that no `state.channels` rule names makes it a state channel (the writer needs `publish` on it); a topic that already carries plain publications never becomes one")
            .string("state.channels.<name>.pattern", null, "—",
                    "a topic pattern whose topics are state channels: each holds one JSON document (`{}` until first written) with a version, read and followed with `state_get`/`state_sub`, changed only by state writes (a plain `pub` is refused with `state_channel`); the first rule in name order whose pattern matches applies. Give these topics history (`history.size` or a `history.rules` rule, not `history.lossy-topics`) so that reconnecting clients catch up with patches rather than snapshots")
            .size("state.channels.<name>.max-document-bytes", null, "`state.max-document-bytes`",
                    "largest document of a channel of this rule").min(1)
            .table("routes")
            .string("amqp.routes.<name>.path", null, "`/amqp/<name>`",
                    "the upgrade path of an AMQP WebSocket Binding route (subprotocol `amqp`); not under `/v1/`, and no two routes may share one")
            .string("amqp.routes.<name>.upstream", null, "required",
                    "`host:port` of the AMQP 1.0 broker (`[::1]:5672` for IPv6 literals)")
            .bool("amqp.routes.<name>.tls", "false", null,
                    "connect to the broker with TLS, verifying its certificate and host name against the JVM's trust store")
            .integer("amqp.routes.<name>.max-connections", "100", null,
                    "tunnels open at once on this route; one more is answered 503").min(1)
            .choice("amqp.routes.<name>.auth", List.of("required", "none"), null, "`required` when an issuer (`auth.issuers.*`) or an API key (`http.api-keys`) is configured, else `none`",
                    "`required`: the upgrade must authenticate with a token or an API key (`Authorization: Bearer`, the `auth.cookie` cookie or `access_token`; never anonymous) and be allowed the `tunnel` action on the route's name by `auth.rules` (e.g. `tunnel artemis claim:roles=amqp`) before Ferry connects to the broker; refused with `401`/`403` (docs/security.md, \"Tunnels\"). `none`: no gateway-side check; the broker's own SASL authenticates. Unset, a route is guarded as soon as the server has credentials to check, so that no tunnel is left open by omission")
            .string("tunnel.routes.<name>.upstream", null, "required",
                    "`host:port` reached by `GET /v1/tunnel/<name>` (raw TCP, any protocol)")
            .bool("tunnel.routes.<name>.tls", "false", null,
                    "connect to the upstream with TLS, as for AMQP routes")
            .integer("tunnel.routes.<name>.max-connections", "100", null,
                    "tunnels open at once on this route; one more is answered 503").min(1)
            .choice("tunnel.routes.<name>.auth", List.of("required", "none"), null, "as for AMQP routes",
                    "`required` or `none`, as for AMQP routes: with `required` nothing reaches the upstream until the client is authenticated and allowed `tunnel` on `<name>`")
            .table("presence")
            .duration("presence.expiry", "15s", null,
                    "with `engine: redis`, how long the entries of a node that stopped without removing them (killed, cut off from Redis) stay visible; each node refreshes its own every third of it")
            .string("presence.rules.<name>.pattern", null, "—",
                    "a topic pattern whose concrete topics keep presence by this rule")
            .bool("presence.rules.<name>.enabled", "true", null,
                    "`false`: the rule's topics keep no presence, whatever later rules say")
            .integer("presence.rules.<name>.max-entries", "1000", null,
                    "connections listed per topic; beyond it a connection is subscribed as usual but not listed (nor announced)").min(1)
            .duration("presence.rules.<name>.coalesce", "250ms", null,
                    "how long joins and leaves of a topic are gathered into one `presence_diff` push")
            .size("presence.rules.<name>.max-info-bytes", "1KiB", null,
                    "largest client info (`presence` of `sub`, in bytes of its JSON); larger is `bad_presence`").min(0)
            .integer("presence.rules.<name>.max-diff", "100", null,
                    "connections that may change within one window; more make the window's push a `reset` (the client reads the presence again)").min(1)
            .table("events")
            .string("events.<name>.pattern", null, "—",
                    "the topics of the event class `<name>` (letters, digits, `_`, `-`); a topic's class is the first in name order whose pattern matches it (docs/events.md)")
            .path("events.<name>.schema", null, "none (payloads not checked)",
                    "a JSON Schema file (draft 2020-12 unless it names another `$schema`), compiled at start: a publication of the class on any transport whose payload it rejects is refused with `invalid_payload`, as is a binary payload, and nothing is stored or delivered")
            .string("events.<name>.description", null, "none",
                    "what the class's events mean, for the developers who subscribe to them")
            .list("events.<name>.tags", null, null,
                    "tag names every publication of the class must carry (ferry.v1 `tags`); one missing is `bad_tags`")
            .string("events.<name>.example", null, "none",
                    "one payload of the class as JSON text, for the developers who subscribe to them; checked against the schema at start")
            .table("hooks")
            .string("hooks.connect.url", null, "none (no connect hook)",
                    "the connect hook: every new connection, on every transport, is POSTed here before it opens and the answer sets its identity, grants, presence info, server-side subscriptions and expiry, or refuses it (docs/hooks.md)")
            .duration("hooks.connect.timeout", "3s", null,
                    "how long the connect hook waits for the whole answer")
            .list("hooks.connect.headers", null, "none",
                    "headers added to every connect hook request, as `Name: value`")
            .list("hooks.connect.forward-headers", "Cookie,Authorization", null,
                    "headers of the client's opening request (the upgrade, the SSE request, `POST /v1/session`) sent to the connect hook, by name")
            .choice("hooks.connect.failure-policy", List.of("refuse", "allow"), "refuse", null,
                    "when the backend gives no answer (down, timeout, over `max-concurrency`, breaker open): `refuse` answers 503 `connect_unavailable`; `allow` authenticates the connection as if there were no hook (token, certificate, anonymous)")
            .integer("hooks.connect.max-concurrency", "64", null,
                    "connect hook calls in flight at most; one more gets no answer at once (the failure policy decides)").min(1)
            .string("hooks.refresh.url", null, "none (an expiring identity closes its connection)",
                    "the refresh hook: when an identity the connect hook gave expires, on any transport, Ferry POSTs here; the answer extends it or refuses, which ends the connection as an expired token does (4005; docs/hooks.md)")
            .duration("hooks.refresh.timeout", "3s", null,
                    "how long the refresh hook waits for the whole answer")
            .list("hooks.refresh.headers", null, "none",
                    "headers added to every refresh hook request, as `Name: value`")
            .choice("hooks.refresh.failure-policy", List.of("refuse", "allow"), "refuse", null,
                    "when the backend gives no answer: `refuse` ends the connection (4005); `allow` keeps its identity for `hooks.refresh.retry` and asks again")
            .integer("hooks.refresh.max-concurrency", "64", null,
                    "refresh hook calls in flight at most").min(1)
            .duration("hooks.refresh.retry", "30s", null,
                    "with `hooks.refresh.failure-policy: allow`, how long a connection keeps its identity after a refresh without answer before the next try")
            .string("hooks.subscribe.<name>.pattern", null, "—",
                    "the topics whose subscriptions the subscribe hook `<name>` decides (letters, digits, `_`, `-`); the first hook in name order whose pattern matches the subscribed pattern is asked, after the permission check; it answers allow or refuse (`subscribe_refused`)")
            .string("hooks.subscribe.<name>.url", null, "—",
                    "where the subscribe hook `<name>` POSTs")
            .duration("hooks.subscribe.<name>.timeout", "3s", null,
                    "how long the subscribe hook waits for the whole answer")
            .list("hooks.subscribe.<name>.headers", null, "none",
                    "headers added to every request of the hook, as `Name: value`")
            .choice("hooks.subscribe.<name>.failure-policy", List.of("refuse", "allow"), "refuse", null,
                    "when the backend gives no answer: `refuse` refuses the subscription with `hook_unavailable`; `allow` lets it go ahead")
            .integer("hooks.subscribe.<name>.max-concurrency", "64", null,
                    "calls of the hook in flight at most").min(1)
            .string("hooks.publish.<name>.pattern", null, "—",
                    "the topics whose publications the publish hook `<name>` decides, on every transport; the first hook in name order whose pattern matches the topic is asked, after the event class's schema check; it answers allow, refuse (`publish_refused`) or a replacement payload")
            .string("hooks.publish.<name>.url", null, "—",
                    "where the publish hook `<name>` POSTs")
            .duration("hooks.publish.<name>.timeout", "3s", null,
                    "how long the publish hook waits for the whole answer")
            .list("hooks.publish.<name>.headers", null, "none",
                    "headers added to every request of the hook, as `Name: value`")
            .choice("hooks.publish.<name>.failure-policy", List.of("refuse", "allow"), "refuse", null,
                    "when the backend gives no answer: `refuse` refuses the publication with `hook_unavailable`; `allow` publishes it as given")
            .integer("hooks.publish.<name>.max-concurrency", "64", null,
                    "calls of the hook in flight at most").min(1)
            .integer("hooks.breaker.failures", "5", null,
                    "consecutive failures (timeout, connection refused or broken, 5xx) that open a hook's circuit breaker; while open the hook's calls fail at once").min(1)
            .duration("hooks.breaker.cool-down", "10s", null,
                    "how long an open breaker refuses calls before it lets one trial call through; its success closes the breaker")
            .size("hooks.max-response-bytes", "64KiB", null,
                    "largest answer body a hook accepts; a larger one counts as no answer").min(2)
            .string("hooks.rpc.<name>.pattern", null, "—",
                    "the procedures served by the HTTP backend of rule `<name>` (letters, digits, `_`, `-`), with the topic wildcards (`*` one word, `#` the rest); a call of a procedure it matches, from any transport, is POSTed to `hooks.rpc.<name>.url` and the backend's answer is its outcome; the first rule in name order whose pattern matches serves it, ahead of any client's registration (a `register` of it is refused with `procedure_exists`) (docs/hooks.md, \"RPC served by HTTP\")")
            .string("hooks.rpc.<name>.url", null, "required",
                    "the `http://` or `https://` URL the calls of rule `<name>` are POSTed to")
            .duration("hooks.rpc.<name>.timeout", "10s", null,
                    "longest wait for the backend's answer to one call (a call's own shorter timeout wins); past it the call fails with `call_timeout`")
            .list("hooks.rpc.<name>.headers", null, "none",
                    "headers added to every request of the rule, as `Name: value` entries (values without commas), e.g. a shared secret the backend checks")
            .integer("hooks.rpc.<name>.max-concurrency", "64", null,
                    "calls of the rule in flight to the backend at most; one more fails at once with `unavailable` (`data.reason` `overloaded`), nothing waits").min(1)
            .string("hooks.events.url", null, "none (no events sent)",
                    "the `http://` or `https://` URL that batches of events (connections opened and closed, subscriptions made and ended, presence joins and leaves) are POSTed to (docs/hooks.md, \"Events out\")")
            .list("hooks.events.kinds", String.join(",", EventsOutConfig.KINDS), "all",
                    "the kinds of events sent: some of `connection_opened`, `connection_closed`, `subscribed`, `unsubscribed`, `presence_joined`, `presence_left`")
            .integer("hooks.events.batch-size", "100", null,
                    "events per batch at most; a batch goes as soon as this many are queued").min(1)
            .duration("hooks.events.flush-interval", "1s", null,
                    "how often the events queued are sent when there are fewer than a batch")
            .integer("hooks.events.queue-size", "10000", null,
                    "events waiting to be sent at most (the batch in flight included), at least `hooks.events.batch-size`; an event that finds the queue full drops the oldest one queued, counted in `ferry_hook_events_total{outcome=\"dropped\"}`").min(1)
            .duration("hooks.events.timeout", "10s", null,
                    "longest wait for the backend's answer to one batch")
            .integer("hooks.events.max-retries", "5", null,
                    "times a batch the backend did not take (no answer, or a status other than 2xx) is sent again before it is dropped, counted in `ferry_hook_events_total{outcome=\"failed\"}`").min(0)
            .duration("hooks.events.retry-backoff", "500ms", null,
                    "wait before a batch's first retry, doubled at each next one, at most 30 times it")
            .list("hooks.events.headers", null, "none",
                    "headers added to every request, as `Name: value` entries (values without commas)")
            .table("wamp")
            .string("wamp.realms.<name>.topic-prefix", null, "empty",
                    "the Ferry topic words under which the WAMP realm `<name>` lives: URI `com.example.chat` of the realm is topic `<prefix>.com.example.chat` (and procedure likewise); empty: the URI itself. A WAMP session asking for a realm that is not configured is refused with `ABORT` `wamp.error.no_such_realm`; with no realm configured, the one realm is `realm1`, mapped to no prefix (docs/wamp.md)")
            .table("log")
            .choice("log.format", LogConfig.FORMATS, "text", null,
                    "how `ferry serve` writes its log on stderr: `text`, one line a message, or `json`, one JSON object a line (Logback's JSON encoder) whose `mdc` holds `connection` (the id the server API lists) and `identity` on every line about a connection; `--log-format` sets it too. A change needs a restart")
            .choice("log.level", LogConfig.LEVELS, "info", null,
                    "level of Ferry's own loggers (`dev.ferry`); a reload changes it live")
            .list("log.levels", null, "none",
                    "`LOGGER=LEVEL` entries for other loggers or finer ones, e.g. `dev.ferry.server.transport.FaultLog=debug,io.netty=warn`; a reload changes them live (a logger removed from the list goes back to its level from the start)")
            .build();

    private FerryKeys() {
    }
}
