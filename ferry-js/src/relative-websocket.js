// RelativeWebSocket: a WebSocket whose URL is resolved against the page's location, ws: or wss: by the page's
// scheme, so that a page can say `new RelativeWebSocket('/v1/topics/chat')` wherever it is served from.

/**
 * Resolves a WebSocket URL: ws: and wss: URLs are kept, http: and https: ones change scheme, anything else is a
 * path resolved against `base` (default: the page's location).
 */
export function resolveWebSocketUrl(url, base = globalThis.location) {
  const s = String(url);
  if (/^wss?:\/\//i.test(s)) return s;
  if (/^https?:\/\//i.test(s)) return s.replace(/^http/i, 'ws');
  if (!base) throw new TypeError(`cannot resolve the relative WebSocket URL "${s}" without a base location`);
  const u = new URL(s, base.href || String(base));
  u.protocol = u.protocol === 'https:' || u.protocol === 'wss:' ? 'wss:' : 'ws:';
  return u.href;
}

/** Used with `new`: returns a real WebSocket (or options.WebSocket) for the resolved URL. */
export function RelativeWebSocket(path, protocols, options = {}) {
  const Impl = options.WebSocket || globalThis.WebSocket;
  if (!Impl) throw new TypeError('no WebSocket implementation: pass options.WebSocket (e.g. the ws package in Node)');
  const url = resolveWebSocketUrl(path, options.location || globalThis.location);
  return protocols === undefined ? new Impl(url) : new Impl(url, protocols);
}
