// MultiWebSocket: many channels over one WebSocket, speaking the SockJS websocket-multiplex protocol that
// Ferry serves at /v1/multiplex (docs/web.md). `M.WebSocket(url)` (with or without `new`) takes the URL of a
// per-topic socket (`ws://host/v1/topics/a/b`, or a relative one) or a channel name (`a.b`) and returns an
// object that behaves as `new WebSocket(url)` would: the same events, readyState, close codes and binaryType.

import { Emitter } from './events.js';
import { resolveWebSocketUrl } from './relative-websocket.js';

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

const MULTIPLEX_PATH = '/v1/multiplex';
const TOPICS_PATH = '/v1/topics/';

/** The error a browser throws for a misuse of the WebSocket API (a plain Error where DOMException is missing). */
function domError(message, name) {
  if (typeof DOMException === 'function') return new DOMException(message, name);
  const e = new Error(message);
  e.name = name;
  return e;
}

function utf8Length(s) {
  return new TextEncoder().encode(s).length;
}

/** The bytes of an ArrayBuffer or a view of one; null for anything else. */
function bytesOf(data) {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

const isBlob = (data) => typeof Blob === 'function' && data instanceof Blob;

/**
 * The close a per-topic socket would see for a refusal of its channel after it opened (docs/web.md, "Per-topic
 * sockets"): `{code, reason}` from the `err` frame's JSON.
 */
function refusalClose(error, topic) {
  const shown = topic.length <= 80 ? topic : null;
  switch (error.code) {
    case 'forbidden': return { code: 4006, reason: 'forbidden: publish on ' + (shown || 'this topic') };
    case 'bad_topic': return { code: 4004, reason: 'subscribe-only: ' + (shown || 'pattern') + ' is a pattern' };
    case 'too_many_topics': return { code: 1013, reason: 'too_many_topics: limits.max-topics reached' };
    case 'subscribe_refused':
    case 'publish_refused': return { code: 4006, reason: closeReason(error.code + ': ' + error.message) };
    case 'hook_unavailable': return { code: 1013, reason: closeReason(error.code + ': ' + error.message) };
    default: return { code: 1008, reason: String(error.message || error.code).slice(0, 123) };
  }
}

/** `reason` cut as the server cuts close reasons: within 123 bytes of UTF-8, at a character, ending with `...`. */
function closeReason(reason) {
  const bytes = new TextEncoder().encode(reason);
  if (bytes.length <= 123) return reason;
  let n = 120;
  while (n > 0 && (bytes[n] & 0xc0) === 0x80) n--;
  return new TextDecoder().decode(bytes.subarray(0, n)) + '...';
}

/**
 * One channel: a topic (send publishes, messages are its publications) or a pattern (receive only). It is
 * CONNECTING until the server answers the channel's `sub` (the subscription is made), as a per-topic socket is
 * until its upgrade is answered.
 */
class ChannelSocket extends Emitter {
  constructor(multi, name, topic, url) {
    super();
    this._multi = multi;
    this.channel = name;
    this._topic = topic;
    this.url = url;
    this.protocol = '';
    this.extensions = '';
    this.bufferedAmount = 0;
    this._binaryType = 'blob';
    this.readyState = CONNECTING;
  }

  get CONNECTING() { return CONNECTING; }
  get OPEN() { return OPEN; }
  get CLOSING() { return CLOSING; }
  get CLOSED() { return CLOSED; }

  /** As on a WebSocket: 'blob' or 'arraybuffer'; any other value is ignored. */
  get binaryType() { return this._binaryType; }
  set binaryType(v) {
    if (v === 'blob' || v === 'arraybuffer') this._binaryType = v;
  }

  /** A string publishes text; an ArrayBuffer, a view of one or a Blob publishes bytes, as on a per-topic socket. */
  send(data) {
    if (this.readyState === CONNECTING) throw domError('Still in CONNECTING state.', 'InvalidStateError');
    const bytes = bytesOf(data);
    const blob = !bytes && isBlob(data);
    if (!bytes && !blob) data = String(data);
    if (this.readyState !== OPEN) {
      // as a WebSocket: data sent after close is counted, then dropped
      this.bufferedAmount += bytes ? bytes.byteLength : blob ? data.size : utf8Length(data);
      return;
    }
    const header = 'msg,' + this.channel + ',';
    if (bytes) {
      const head = new TextEncoder().encode(header);
      const framed = new Uint8Array(head.length + bytes.length);
      framed.set(head);
      framed.set(bytes, head.length);
      this._multi._send(framed);
    } else if (blob) {
      this._multi._send(new Blob([header, data])); // the browser sends Blobs in order with the other messages
    } else {
      this._multi._send(header + data);
    }
  }

  close(code, reason = '') {
    if (code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999)) {
      throw domError(`The close code must be either 1000, or between 3000 and 4999. ${code} is neither.`, 'InvalidAccessError');
    }
    if (utf8Length(String(reason)) > 123) throw domError('The close reason must not be greater than 123 UTF-8 bytes.', 'SyntaxError');
    if (this.readyState === CLOSING || this.readyState === CLOSED) return;
    const wasOpen = this.readyState === OPEN;
    this.readyState = CLOSING;
    this._multi._leave(this);
    // A WebSocket closed while connecting fails (error, then close 1006); an open one closes cleanly with the
    // code it sent (1005, "no status", when it sent none).
    setTimeout(() => (wasOpen ? this._closed(code === undefined ? 1005 : code, String(reason), true) : this._failed()), 0);
  }

  _opened() {
    if (this.readyState !== CONNECTING) return;
    this.readyState = OPEN;
    this.dispatchEvent({ type: 'open' });
  }

  /** What a WebSocket whose connection failed fires: error, then close 1006. */
  _failed(detail) {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this._multi._leave(this);
    this.dispatchEvent({ type: 'error', detail, message: detail ? detail.message : undefined });
    this.dispatchEvent({ type: 'close', code: 1006, reason: '', wasClean: false, detail });
  }

  _closed(code, reason, wasClean, detail) {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this._multi._leave(this);
    this.dispatchEvent({ type: 'close', code, reason, wasClean, detail });
  }

  /** A message: a string, or the bytes of a binary one (each channel gets its own copy, as binaryType says). */
  _message(data) {
    if (this.readyState !== OPEN) return;
    if (typeof data !== 'string') data = this._binaryType === 'blob' && typeof Blob === 'function' ? new Blob([data]) : data.slice().buffer;
    this.dispatchEvent({ type: 'message', data, origin: this._multi._origin, lastEventId: '' });
  }

  /**
   * The server refused the channel (`err` then `uns`): as a refused upgrade while connecting, else a close. A
   * subscribe hook's refusal (or its missing answer) is what a per-topic socket sees as open, then closed at once.
   */
  _refused(error) {
    if (this.readyState === CONNECTING && (error.code === 'subscribe_refused' || error.code === 'hook_unavailable')) {
      this._opened();
    }
    if (this.readyState === CONNECTING) {
      this._failed(error);
    } else {
      const c = refusalClose(error, this._topic);
      this._closed(c.code, c.reason, true, error);
    }
  }
}

export class MultiWebSocket extends Emitter {
  /**
   * @param url the multiplexer URL, e.g. ws://host/v1/multiplex or '/v1/multiplex' (resolved against the page),
   *     or an existing WebSocket-like object to multiplex over
   * @param options.WebSocket the WebSocket implementation (default: globalThis.WebSocket)
   */
  constructor(url, options = {}) {
    super();
    this._location = options.location || globalThis.location;
    if (typeof url === 'string' || url instanceof URL) {
      const Impl = options.WebSocket || globalThis.WebSocket;
      if (!Impl) throw new TypeError('no WebSocket implementation: pass options.WebSocket');
      this.url = resolveWebSocketUrl(String(url), this._location);
      // ?binary turns on Ferry's binary extension of the protocol (docs/web.md): binary messages both ways
      this.socket = new Impl(this.url + (this.url.includes('?') ? '&' : '?') + 'binary');
    } else {
      this.socket = url;
      this.url = url.url;
    }
    this._origin = new URL(this.url).origin.replace(/^http/, 'ws');
    this.socket.binaryType = 'arraybuffer';
    /** Channel name → the channel sockets sharing it (several sockets may open one URL, as with WebSockets). */
    this._channels = new Map();
    /** Channel names whose sub the server answered. */
    this._acked = new Set();
    const multi = this;
    /** `M.WebSocket(url)` or `new M.WebSocket(url)`: a channel socket (see {@link MultiWebSocket#_open}). */
    this.WebSocket = function WebSocket(target) {
      return multi._open(target);
    };
    this.socket.addEventListener('open', () => {
      for (const name of this._channels.keys()) this._send('sub,' + name);
      this.dispatchEvent({ type: 'open' });
    });
    this.socket.addEventListener('message', (e) => {
      if (typeof e.data !== 'string') {
        this._binaryFrame(new Uint8Array(e.data));
        return;
      }
      const c1 = e.data.indexOf(',');
      if (c1 < 0) return;
      const type = e.data.slice(0, c1);
      const rest = e.data.slice(c1 + 1);
      const c2 = rest.indexOf(',');
      const name = c2 < 0 ? rest : rest.slice(0, c2);
      const payload = c2 < 0 ? '' : rest.slice(c2 + 1);
      this._frame(type, name, payload);
    });
    this.socket.addEventListener('close', (e) => {
      const clean = !!e.wasClean && e.code !== 1006;
      for (const c of this._sockets()) {
        if (!clean) c._failed();
        else c._closed(e.code, e.reason || '', true);
      }
      this._acked.clear();
      this.dispatchEvent({ type: 'close', code: e.code, reason: e.reason, wasClean: e.wasClean });
    });
    this.socket.addEventListener('error', (e) => this.dispatchEvent({ type: 'error', error: e.error, message: e.message }));
  }

  get readyState() { return this.socket.readyState; }

  /** Closes the underlying WebSocket and with it every channel. */
  close(code = 1000, reason = '') {
    this.socket.close(code, reason);
  }

  /**
   * Opens a channel for `target`: a per-topic socket URL of the multiplexer's server (absolute, or relative to
   * the page, or to the multiplexer URL where there is no page), or else a channel name. A URL that is not a
   * per-topic socket of this server throws a SyntaxError; a path the server would refuse (an empty segment, a
   * segment with a dot) fails the channel as the server fails the upgrade: error, then close 1006.
   */
  _open(target) {
    let name;
    let topic;
    let url;
    let bad = null;
    const s = String(target);
    if (target instanceof URL || s.includes('/')) {
      url = this._topicUrl(s);
      const segments = url.pathname.slice(url.pathname.indexOf(TOPICS_PATH) + TOPICS_PATH.length).split('/');
      try {
        const words = segments.map((w) => decodeURIComponent(w));
        if (words.some((w) => w === '' || w.includes('.'))) bad = 'an empty path segment or a segment with a dot';
        topic = words.join('.');
      } catch {
        bad = 'a malformed percent-encoding';
        topic = segments.join('.');
      }
      name = escape(topic); // the server unescapes channel names (the websocket-multiplex client escapes them)
      url = url.href;
    } else {
      name = s;
      topic = unescape(s);
      url = this.url + '#' + s;
    }
    const c = new ChannelSocket(this, name, topic, url);
    if (bad !== null || this.socket.readyState >= CLOSING) {
      setTimeout(() => c._failed(bad ? { code: 'bad_topic', message: `${url}: ${bad}` } : undefined), 0);
      return c;
    }
    let set = this._channels.get(name);
    if (!set) {
      this._channels.set(name, (set = new Set()));
      if (this.socket.readyState === OPEN) this._send('sub,' + name);
    } else if (this._acked.has(name)) {
      setTimeout(() => c._opened(), 0); // as a WebSocket does: open fires after the constructor returns
    }
    set.add(c);
    return c;
  }

  /** `s` resolved as a per-topic socket URL of this multiplexer's server, or a SyntaxError. */
  _topicUrl(s) {
    const mux = new URL(this.url);
    const base = mux.pathname.endsWith(MULTIPLEX_PATH) ? mux.pathname.slice(0, -MULTIPLEX_PATH.length) : '';
    const u = new URL(resolveWebSocketUrl(s, this._location || mux));
    if (u.protocol !== mux.protocol || u.host !== mux.host || !u.pathname.startsWith(base + TOPICS_PATH) || u.hash) {
      throw domError(`MultiWebSocket: ${s} is not a per-topic socket of ${mux.origin.replace(/^http/, 'ws')} `
        + `(expected ${mux.protocol}//${mux.host}${base}${TOPICS_PATH}<word>/<word>...)`, 'SyntaxError');
    }
    return u;
  }

  _frame(type, name, payload) {
    const set = this._channels.get(name);
    if (!set) return;
    if (type === 'msg') {
      for (const c of set) c._message(payload);
    } else if (type === 'sub') {
      this._acked.add(name);
      for (const c of set) c._opened();
    } else if (type === 'err') {
      let error;
      try {
        error = JSON.parse(payload);
      } catch {
        error = { code: 'error', message: payload };
      }
      this._channels.delete(name); // the uns that follows ends the channel on the server
      this._acked.delete(name);
      for (const c of set) c._refused(error);
    } else if (type === 'uns') {
      this._channels.delete(name);
      this._acked.delete(name);
      for (const c of set) c._closed(1000, '', true);
    }
  }

  /** A binary message: `msg,<channel>,` then the bytes. */
  _binaryFrame(bytes) {
    const c1 = bytes.indexOf(44); // ','
    const c2 = c1 < 0 ? -1 : bytes.indexOf(44, c1 + 1);
    if (c2 < 0) return;
    const head = new TextDecoder().decode(bytes.subarray(0, c2));
    if (!head.startsWith('msg,')) return;
    const set = this._channels.get(head.slice(4));
    if (set) for (const c of set) c._message(bytes.subarray(c2 + 1));
  }

  * _sockets() {
    for (const set of [...this._channels.values()]) yield* [...set];
  }

  _send(text) {
    if (this.socket.readyState === OPEN) this.socket.send(text);
  }

  /** `c` no longer uses its channel; the last one to leave closes the channel on the server. */
  _leave(c) {
    const set = this._channels.get(c.channel);
    if (!set || !set.delete(c) || set.size > 0) return;
    this._channels.delete(c.channel);
    this._acked.delete(c.channel);
    this._send('uns,' + c.channel);
  }
}
