// JSONWebSocket: a WebSocket (or anything with its API, such as a MultiWebSocket channel) whose send() takes any
// JSON value and whose message events carry parsed JSON. A text that is not JSON is delivered as the string.

import { Emitter } from './events.js';
import { resolveWebSocketUrl } from './relative-websocket.js';

export class JSONWebSocket extends Emitter {
  /**
   * @param target a URL (relative ones are resolved against the page) or an open-able WebSocket-like object
   * @param protocols subprotocols, when target is a URL
   * @param options.WebSocket the WebSocket implementation (default: globalThis.WebSocket)
   */
  constructor(target, protocols, options = {}) {
    super();
    if (typeof target === 'string' || target instanceof URL) {
      const Impl = options.WebSocket || globalThis.WebSocket;
      const url = resolveWebSocketUrl(target, options.location || globalThis.location);
      this.socket = protocols === undefined ? new Impl(url) : new Impl(url, protocols);
    } else {
      this.socket = target;
    }
    for (const type of ['open', 'close', 'error']) {
      this.socket.addEventListener(type, (e) => this.dispatchEvent({ type, code: e.code, reason: e.reason,
        wasClean: e.wasClean, detail: e.detail, error: e.error, message: e.message }));
    }
    this.socket.addEventListener('message', (e) => {
      let data = e.data;
      if (typeof data === 'string') {
        try {
          data = JSON.parse(data);
        } catch {
          // not JSON: deliver the text as it is
        }
      }
      this.dispatchEvent({ type: 'message', data });
    });
  }

  get readyState() { return this.socket.readyState; }
  get url() { return this.socket.url; }
  get CONNECTING() { return 0; }
  get OPEN() { return 1; }
  get CLOSING() { return 2; }
  get CLOSED() { return 3; }

  send(value) {
    this.socket.send(JSON.stringify(value));
  }

  close(code, reason) {
    this.socket.close(code, reason);
  }
}
