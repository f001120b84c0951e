// MultiWebSocket: many channels over one WebSocket, speaking the SockJS websocket-multiplex protocol that
// Ferry serves at /v1/multiplex (docs/web.md). `new MultiWebSocket(url).WebSocket(channel)` returns an object
// with the WebSocket API (send, close, readyState, onopen/onmessage/onclose/onerror, addEventListener).

import { Emitter } from './events.js';
import { resolveWebSocketUrl } from './relative-websocket.js';

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** One channel: a topic (send publishes, messages are its publications) or a pattern (receive only). */
class ChannelSocket extends Emitter {
  constructor(multi, name) {
    super();
    this._multi = multi;
    this.channel = name;
    this.url = multi.url + '#' + name;
    this.protocol = '';
    this.extensions = '';
    this.bufferedAmount = 0;
    this.binaryType = 'blob';
    this.readyState = CONNECTING;
    this._error = null;
  }

  get CONNECTING() { return CONNECTING; }
  get OPEN() { return OPEN; }
  get CLOSING() { return CLOSING; }
  get CLOSED() { return CLOSED; }

  send(data) {
    if (this.readyState === CONNECTING) throw new Error('InvalidStateError: the channel is still connecting');
    if (this.readyState !== OPEN) return;
    this._multi._send('msg,' + this.channel + ',' + String(data));
  }

  close(code = 1000, reason = '') {
    if (this.readyState === CLOSING || this.readyState === CLOSED) return;
    const wasOpen = this.readyState === OPEN;
    this.readyState = CLOSING;
    if (wasOpen) this._multi._send('uns,' + this.channel);
    this._closed(code, reason, true);
  }

  _opened() {
    if (this.readyState !== CONNECTING) return;
    this.readyState = OPEN;
    this.dispatchEvent({ type: 'open' });
  }

  _closed(code, reason, wasClean) {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this._multi._forget(this);
    this.dispatchEvent({ type: 'close', code, reason, wasClean });
  }

  _frame(type, payload) {
    if (type === 'msg') {
      if (this.readyState === OPEN) this.dispatchEvent({ type: 'message', data: payload });
    } else if (type === 'err') {
      try {
        this._error = JSON.parse(payload);
      } catch {
        this._error = { code: 'error', message: payload };
      }
      this.dispatchEvent({ type: 'error', detail: this._error, message: this._error.message });
    } else if (type === 'uns') {
      // The server closed the channel: 1008 (policy) after an err frame, 1000 otherwise.
      this._closed(this._error ? 1008 : 1000, this._error ? String(this._error.message).slice(0, 123) : '', !this._error);
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
    if (typeof url === 'string' || url instanceof URL) {
      const Impl = options.WebSocket || globalThis.WebSocket;
      if (!Impl) throw new TypeError('no WebSocket implementation: pass options.WebSocket');
      this.url = resolveWebSocketUrl(String(url), options.location || globalThis.location);
      this.socket = new Impl(this.url);
    } else {
      this.socket = url;
      this.url = url.url;
    }
    this._channels = new Map();
    this.socket.addEventListener('open', () => {
      for (const c of this._channels.values()) {
        this._send('sub,' + c.channel);
        c._opened();
      }
      this.dispatchEvent({ type: 'open' });
    });
    this.socket.addEventListener('message', (e) => {
      if (typeof e.data !== 'string') return;
      const c1 = e.data.indexOf(',');
      if (c1 < 0) return;
      const type = e.data.slice(0, c1);
      const rest = e.data.slice(c1 + 1);
      const c2 = rest.indexOf(',');
      const name = c2 < 0 ? rest : rest.slice(0, c2);
      const payload = c2 < 0 ? '' : rest.slice(c2 + 1);
      const c = this._channels.get(name);
      if (c) c._frame(type, payload);
    });
    this.socket.addEventListener('close', (e) => {
      for (const c of [...this._channels.values()]) c._closed(e.code || 1006, e.reason || '', !!e.wasClean);
      this.dispatchEvent({ type: 'close', code: e.code, reason: e.reason, wasClean: e.wasClean });
    });
    this.socket.addEventListener('error', (e) => this.dispatchEvent({ type: 'error', error: e.error, message: e.message }));
  }

  /** A WebSocket-like channel; one per name and MultiWebSocket at a time. */
  WebSocket(channel) {
    const name = String(channel);
    if (this._channels.has(name)) throw new Error(`channel "${name}" is already open on this MultiWebSocket`);
    const c = new ChannelSocket(this, name);
    this._channels.set(name, c);
    if (this.socket.readyState === OPEN) {
      this._send('sub,' + name);
      setTimeout(() => c._opened(), 0); // as a WebSocket does: open fires after the constructor returns
    } else if (this.socket.readyState >= CLOSING) {
      setTimeout(() => c._closed(1006, 'the multiplexer socket is closed', false), 0);
    }
    return c;
  }

  get readyState() { return this.socket.readyState; }

  /** Closes the underlying WebSocket and with it every channel. */
  close(code = 1000, reason = '') {
    this.socket.close(code, reason);
  }

  _send(text) {
    if (this.socket.readyState === OPEN) this.socket.send(text);
  }

  _forget(c) {
    if (this._channels.get(c.channel) === c) this._channels.delete(c.channel);
  }
}
