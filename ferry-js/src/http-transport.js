// The HTTP-only transport (docs/web.md, "HTTP-only fallback"): for networks that break WebSockets, the whole
// ferry.v1 protocol over plain HTTP. POST /v1/session opens a session; an EventSource on
// /v1/session/{id}/events carries the server's frames (it reconnects by itself with Last-Event-ID, and the
// server replays what it missed); the client's frames go up in POST /v1/session/{id}, one at a time, so the
// server processes them in order.

const LF = 10;

function base64ToBytes(text) {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** http(s)://host of a ws(s):// endpoint URL. */
export function httpBase(url) {
  const u = new URL(url);
  return `${u.protocol === 'wss:' ? 'https:' : 'http:'}//${u.host}`;
}

/**
 * The HTTP-only transport; put it after webSocketTransport() in options.transports so that the client falls back
 * to it when a WebSocket cannot be opened. In Node 20, pass an EventSource implementation (the eventsource package).
 * @param options.fetch fetch implementation (default globalThis.fetch)
 * @param options.EventSource EventSource implementation (default globalThis.EventSource)
 */
export function httpTransport(options = {}) {
  return {
    name: 'http',
    open(url, hooks) {
      const fetchImpl = options.fetch || globalThis.fetch;
      const ES = options.EventSource || globalThis.EventSource;
      if (!fetchImpl || !ES) throw new TypeError('no fetch or EventSource implementation: pass options.fetch / options.EventSource');
      const base = httpBase(url);
      let session = null;
      let events = null;
      let closed = false;
      let opened = false;
      const outbox = []; // frames waiting to go up: strings, or Uint8Array binary messages
      let posting = false;

      const fail = (code, reason) => {
        if (closed) return;
        closed = true;
        if (events) events.close();
        hooks.onclose({ code, reason });
      };

      const flush = async () => {
        if (posting || closed || !session || outbox.length === 0) return;
        posting = true;
        try {
          while (outbox.length > 0 && !closed) {
            // Text frames go up together (LF-separated); a binary message goes up on its own.
            let body;
            let type;
            if (typeof outbox[0] === 'string') {
              const texts = [];
              while (outbox.length > 0 && typeof outbox[0] === 'string') texts.push(outbox.shift());
              body = texts.join('\n');
              type = 'text/plain';
            } else {
              body = outbox.shift();
              type = 'application/octet-stream';
            }
            const r = await fetchImpl(`${base}/v1/session/${session}`, {
              method: 'POST', body, headers: { 'Content-Type': type }, credentials: 'include',
            });
            if (r.status !== 202) {
              fail(1006, `upstream POST answered ${r.status}`);
              return;
            }
          }
        } catch (e) {
          fail(1006, String(e.message || e));
        } finally {
          posting = false;
        }
      };

      fetchImpl(`${base}/v1/session`, { method: 'POST', credentials: 'include' })
        .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`opening a session answered ${r.status}`))))
        .then((j) => {
          if (closed) return;
          session = j.session;
          events = new ES(`${base}/v1/session/${session}/events`, { withCredentials: true });
          events.onopen = () => {
            if (!opened && !closed) {
              opened = true;
              hooks.onopen();
              flush();
            }
          };
          events.onmessage = (e) => hooks.onmessage(e.data);
          events.addEventListener('binary', (e) => {
            const lf = e.data.indexOf('\n');
            const header = new TextEncoder().encode(e.data.slice(0, lf));
            const payload = base64ToBytes(e.data.slice(lf + 1));
            const message = new Uint8Array(header.length + 1 + payload.length);
            message.set(header, 0);
            message[header.length] = LF;
            message.set(payload, header.length + 1);
            hooks.onmessage(message);
          });
          events.addEventListener('close', (e) => {
            const d = JSON.parse(e.data || '{}');
            if (d.code === 4003) return; // replaced by a newer stream of this session: it carries on
            fail(d.code || 1006, d.reason || 'session closed');
          });
          // While the session lives, EventSource reconnects by itself (and resumes with Last-Event-ID); once it
          // gives up (the session is gone: 404), the link is down and the client opens a new session.
          events.onerror = () => {
            if (events.readyState === 2) fail(1006, 'event stream closed');
          };
        })
        .catch((e) => fail(1006, String(e.message || e)));

      return {
        send(data) {
          if (closed) throw new Error('the HTTP session is closed');
          outbox.push(data);
          flush();
        },
        close() {
          closed = true;
          if (events) events.close();
        },
      };
    },
  };
}
