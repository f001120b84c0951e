// The ferry.v1 client (docs/protocol.md): pub/sub with AMQP-style patterns, RPC both ways, the topic index;
// reconnects with jittered exponential backoff and re-subscribes and re-registers when it does.
//
// The connection goes through a *transport*: an object { name, open(url, hooks) } whose open() returns a link
// { send(textOrBytes), close(code, reason) } and reports hooks.onopen(), hooks.onmessage(data),
// hooks.onclose({ code, reason }). webSocketTransport() comes first; httpTransport() (http-transport.js), the
// HTTP-only session, is tried when the WebSocket cannot connect.

import { Emitter } from './events.js';
import { matches } from './topics.js';
import { resolveWebSocketUrl } from './relative-websocket.js';
import { httpTransport } from './http-transport.js';
import { StateReplica } from './state.js';

export const SUBPROTOCOL = 'ferry.v1';

/** Most topic positions sent with one re-subscription (the server's default limit). */
const MAX_SINCE = 1000;

/**
 * Errors after which an acknowledged publication is sent again with the same pub_id: its outcome is unknown
 * (outcome_unknown, the connection lost), or it was not made for a passing reason (docs/protocol.md, "pub").
 */
const RETRIED_PUBLICATION = new Set(['outcome_unknown', 'unavailable', 'too_many_pub_ids', 'rate_limited', 'disconnected']);

/**
 * Tries of a `session` answered `unavailable` (0.1 s to 2 s apart, about 11 s in all) before the client subscribes
 * with its own positions.
 */
const SESSION_TRIES = 10;

/** 128 random bits as hex: a publication id no other publication has (docs/protocol.md, "pub"). */
/** A `register` frame; `invoke` (the invocation policy) only when one was asked for. */
function registerFrame(id, proc, invoke) {
  const frame = { type: 'register', id, proc };
  if (invoke !== undefined) frame.invoke = invoke;
  return frame;
}

function newPubId() {
  const b = new Uint8Array(16);
  globalThis.crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** An error answered by the server (or by this client: `disconnected`, `closed`), with its code. */
export class FerryError extends Error {
  constructor(code, message, data) {
    super(message || code);
    this.name = 'FerryError';
    this.code = code;
    if (data !== undefined) this.data = data;
  }
}

/** The WebSocket transport: one ferry.v1 WebSocket. */
export function webSocketTransport(WebSocketImpl) {
  return {
    name: 'websocket',
    open(url, hooks) {
      const Impl = WebSocketImpl || globalThis.WebSocket;
      if (!Impl) throw new TypeError('no WebSocket implementation: pass options.WebSocket (e.g. the ws package in Node)');
      const ws = new Impl(url, [SUBPROTOCOL]);
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => hooks.onopen();
      ws.onmessage = (e) => hooks.onmessage(typeof e.data === 'string' ? e.data : new Uint8Array(e.data));
      ws.onclose = (e) => hooks.onclose({ code: e.code, reason: e.reason });
      ws.onerror = () => {}; // a close event follows
      return {
        send: (data) => ws.send(data),
        close: (code, reason) => {
          try {
            ws.close(code, reason);
          } catch {
            // already closing
          }
        },
      };
    },
  };
}

/**
 * WebSocket first; then, where fetch and EventSource exist (every browser; Node with options.EventSource), the
 * HTTP-only session, used when a WebSocket cannot be opened.
 */
function defaultTransports(options) {
  const out = [webSocketTransport(options.WebSocket)];
  if ((options.fetch || globalThis.fetch) && (options.EventSource || globalThis.EventSource) && options.httpFallback !== false) {
    out.push(httpTransport(options));
  }
  return out;
}

/** The delay before reconnect attempt `attempt` (0-based): exponential, capped, with "equal jitter". */
export function backoffDelay(attempt, { minDelay = 250, maxDelay = 10000, random = Math.random } = {}) {
  const cap = Math.min(maxDelay, minDelay * 2 ** Math.min(attempt, 30));
  return Math.round(cap / 2 + random() * (cap / 2));
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function isBytes(v) {
  return v instanceof Uint8Array || v instanceof ArrayBuffer;
}

/** A frame as ferry.v1 puts it on the wire: a JSON text, or header + LF + payload for binary payloads. */
export function encodeFrame(frame, payloadName) {
  const payload = payloadName ? frame[payloadName] : undefined;
  if (payloadName && isBytes(payload)) {
    const header = { ...frame };
    delete header[payloadName];
    const h = encoder.encode(JSON.stringify(header) + '\n');
    const p = payload instanceof Uint8Array ? payload : new Uint8Array(payload);
    const out = new Uint8Array(h.length + p.length);
    out.set(h, 0);
    out.set(p, h.length);
    return out;
  }
  return JSON.stringify(frame);
}

/** The frames of one message: a text holds LF-separated JSON frames, a binary one frame with its payload. */
export function decodeMessage(data) {
  if (typeof data === 'string') {
    return data.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
  }
  const lf = data.indexOf(10);
  if (lf < 0) throw new FerryError('bad_frame', 'binary message without LF');
  const frame = JSON.parse(decoder.decode(data.subarray(0, lf)));
  const payload = data.slice(lf + 1);
  if (frame.type === 'invoke') frame.args = payload;
  else frame.data = payload;
  return [frame];
}

export class Ferry extends Emitter {
  /**
   * @param url ws(s):// URL of the ferry.v1 endpoint, or a path such as '/v1/ws' resolved against the page
   * @param options.WebSocket WebSocket implementation (default: globalThis.WebSocket; in Node 20 pass ws)
   * @param options.transports transports to try in order (default: the WebSocket, then the HTTP-only session
   *     where fetch and EventSource are available; options.httpFallback: false leaves it out)
   * @param options.reconnect reconnect after an unexpected close (default true)
   * @param options.minDelay / options.maxDelay backoff bounds in ms (default 250 / 10000)
   * @param options.random source of jitter in [0, 1) (default Math.random)
   * @param options.publishRetry how long (ms) an acknowledged publication is sent again, with its pub_id, while its
   *     outcome is unknown (default 60000; 0: never); keep it below the server's publish.dedup-window (2 minutes)
   * @param options.connect connect right after construction (default true); otherwise call connect()
   */
  constructor(url, options = {}) {
    super();
    this.url = resolveWebSocketUrl(url, options.location || globalThis.location);
    this.options = { reconnect: true, minDelay: 250, maxDelay: 10000, random: Math.random, publishRetry: 60000, ...options };
    this.transports = options.transports || defaultTransports(options);
    this.state = 'idle';
    this.transport = null;
    this._link = null;
    this._nextId = 1;
    this._pending = new Map(); // id -> { resolve, reject, kind, key }
    this._subs = new Map(); // pattern -> { handlers: Set, confirmed, waiters: [] }
    this._procs = new Map(); // proc -> { handler, invoke, confirmed, waiters: [] }
    this._progress = new Map(); // request id of a call taking progressive results -> onProgress
    this._invocations = new Map(); // invoke id not yet answered -> AbortController of its handler
    this._positions = new Map(); // topic -> { offset, epoch }: the last publication seen, to resume from
    this._serverSubs = new Set(); // patterns the server subscribed this connection to (server_sub)
    this._durable = new Set(); // patterns the server keeps across disconnects (docs/protocol.md §4.5)
    this._sessionToken = undefined; // resumes the server-side session after a reconnect
    this._presence = new Map(); // topic -> { info, listeners: Map(handler -> onPresence) } (docs/protocol.md §4.7)
    this._filters = new Map(); // pattern -> filter expression (docs/protocol.md §4.4)
    this._everConnected = false;
    this._states = new Map(); // topic -> StateReplica: state channels followed (docs/protocol.md §4.6)
    this._attempt = 0;
    this._timer = null;
    this._readyWaiters = [];
    if (this.options.connect !== false) {
      // After the constructor returns, so that listeners attached right away see 'connecting'.
      queueMicrotask(() => {
        if (this.state === 'idle') this.connect().catch(() => {});
      });
    }
  }

  // ---------------------------------------------------------------- connection

  /** Connects (or waits for the connection in progress); resolves once connected. */
  connect() {
    if (this.state === 'closed') return Promise.reject(new FerryError('closed', 'the client is closed'));
    const ready = this._whenConnected();
    if (this.state === 'idle' || (this.state === 'disconnected' && !this._timer)) {
      this._open(0);
    }
    return ready;
  }

  _whenConnected() {
    if (this.state === 'connected') return Promise.resolve();
    return new Promise((resolve, reject) => this._readyWaiters.push({ resolve, reject }));
  }

  _setState(state, detail) {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', { state, ...detail });
    this.emit(state, detail || {});
  }

  /** Tries transport `index`; falls through to the next one when it closes before opening. */
  _open(index) {
    this._timer = null;
    const transport = this.transports[index];
    this._setState('connecting', { transport: transport.name, attempt: this._attempt });
    let opened = false;
    let link;
    const hooks = {
      onopen: () => {
        if (this._link !== link) return;
        opened = true;
        this.transport = transport.name;
        this._attempt = 0;
        this._onOpen();
      },
      onmessage: (data) => {
        if (this._link === link) this._onMessage(data);
      },
      onclose: (e) => {
        if (this._link !== link) return;
        this._link = null;
        if (!opened && index + 1 < this.transports.length && this.state !== 'closed') {
          this._open(index + 1);
          return;
        }
        this._onClose(e, opened);
      },
    };
    try {
      link = transport.open(this.url, hooks);
      this._link = link;
    } catch (e) {
      this._link = null;
      this.emit('error', e);
      this._onClose({ code: 1006, reason: String(e.message || e) }, false);
    }
  }

  _onOpen() {
    this._setState('connected', { transport: this.transport });
    if (this._everConnected) this._resetPresence();
    this._everConnected = true;
    for (const s of this._subs.values()) s.confirmed = false;
    if (this._durable.size > 0 || this._sessionToken) {
      // Resume the session first: its durable subscriptions come back with what was published meanwhile.
      // `unavailable`: the server could not look the session up (its store is unreachable), which says nothing of
      // the session itself (docs/protocol.md §4.5): keep the token and ask again before subscribing with the
      // client's own positions.
      const link = this._link;
      const frame = { type: 'session' };
      if (this._sessionToken) frame.token = this._sessionToken;
      const resume = (attempt) => this._request(frame, 'session').then(
        (data) => { if (this._link === link) this._resubscribe(this._tookSession(data)); },
        (e) => {
          if (e.code === 'unavailable' && attempt + 1 < SESSION_TRIES && this._link === link) {
            setTimeout(() => { if (this._link === link) resume(attempt + 1); }, Math.min(2000, 100 * 2 ** attempt));
            return;
          }
          if (e.code === 'session_refused') this._sessionToken = undefined;
          if (this._link === link) this._resubscribe(new Set());
        },
      );
      resume(0);
    } else {
      this._resubscribe(new Set());
    }
    for (const [proc, r] of this._procs) {
      r.confirmed = false;
      this._send(registerFrame(this._track('register', proc), proc, r.invoke));
    }
    for (const r of this._states.values()) this._followState(r, true);
    const waiters = this._readyWaiters.splice(0);
    waiters.forEach((w) => w.resolve());
  }

  /** Keeps the token of a `session` result; returns the patterns it restored. */
  _tookSession(data) {
    const restored = new Set();
    if (data && data.token) this._sessionToken = data.token;
    if (data && data.resumed) {
      for (const e of data.subscriptions || []) {
        if (e.dropped || e.error) {
          this.emit('error', new FerryError(e.error || 'dropped', `durable subscription ${e.topic} not restored: ${e.dropped || e.error}`));
        } else {
          restored.add(e.topic);
          if (e.recovered === false) this.emit('reset', { topic: e.topic, epoch: e.epoch, offset: e.offset });
        }
      }
    }
    return restored;
  }

  /** Subscribes again to every pattern the session did not restore (and drops those it restored in vain). */
  _resubscribe(restored) {
    for (const [pattern, s] of this._subs) {
      if (restored.has(pattern) && this._presence.has(pattern)) {
        // restored without its presence info and events: subscribe again, without since (nothing is replayed twice)
        const frame = this._subFrame(pattern);
        delete frame.since;
        this._send(frame);
      } else if (restored.has(pattern)) {
        s.confirmed = true;
        s.waiters.splice(0).forEach((w) => w.resolve());
      } else {
        this._send(this._subFrame(pattern));
      }
    }
    for (const pattern of restored) {
      if (!this._subs.has(pattern)) this._request({ type: 'unsub', topic: pattern }, 'unsub').catch(() => {});
    }
  }

  /** The token of the server-side session, once known (after a durable subscription or a reconnect). */
  get sessionToken() {
    return this._sessionToken;
  }

  _onClose(e, wasOpen) {
    this._serverSubs.clear(); // the server subscribes each connection anew
    // Calls, acknowledged publications, index and ping requests cannot survive the connection; sub and register
    // are replayed on the next one, so their waiters stay.
    for (const [id, p] of this._pending) {
      if (p.kind !== 'sub' && p.kind !== 'register') {
        p.reject(new FerryError('disconnected', 'the connection closed before the answer arrived'));
      }
      this._pending.delete(id);
    }
    if (this.state === 'closed') return;
    this._setState('disconnected', { code: e.code, reason: e.reason, wasOpen });
    if (!this.options.reconnect) {
      const waiters = this._readyWaiters.splice(0);
      waiters.forEach((w) => w.reject(new FerryError('disconnected', `connection closed (${e.code} ${e.reason || ''})`)));
      return;
    }
    const delay = this._goAwayDelay ?? backoffDelay(this._attempt, this.options);
    this._goAwayDelay = undefined;
    this._attempt++;
    this._timer = setTimeout(() => this._open(0), delay);
  }

  /** Closes for good: no reconnect; everything pending is rejected with `closed`. */
  close() {
    if (this.state === 'closed') return;
    clearTimeout(this._timer);
    this._timer = null;
    const link = this._link;
    this._link = null;
    this._setState('closed', {});
    for (const p of this._pending.values()) p.reject(new FerryError('closed', 'the client was closed'));
    this._pending.clear();
    for (const s of this._subs.values()) s.waiters.splice(0).forEach((w) => w.reject(new FerryError('closed', 'the client was closed')));
    for (const r of this._procs.values()) r.waiters.splice(0).forEach((w) => w.reject(new FerryError('closed', 'the client was closed')));
    this._readyWaiters.splice(0).forEach((w) => w.reject(new FerryError('closed', 'the client was closed')));
    if (link) link.close(1000, 'bye');
  }

  // ---------------------------------------------------------------- commands

  /**
   * Subscribes `handler(data, {topic, offset, pattern, tags?})` to a pattern. Resolves with a subscription whose
   * unsubscribe() removes this handler (and the server subscription with the last handler of the pattern).
   * `filter` is evaluated by the server (docs/protocol.md §4.4); it belongs to the pattern: subscribing again to
   * the pattern with another filter replaces it for all the pattern's handlers.
   */
  subscribe(pattern, handler, { durable = false, presence, onPresence, filter } = {}) {
    if (typeof handler !== 'function') return Promise.reject(new TypeError('subscribe(pattern, handler): handler must be a function'));
    if (filter !== undefined) {
      if (typeof filter !== 'string') return Promise.reject(new TypeError('subscribe(pattern, handler, {filter}): filter must be a string'));
      if (this._filters.get(pattern) !== filter) {
        this._filters.set(pattern, filter);
        if (this._subs.has(pattern) && this.state === 'connected') this._send(this._subFrame(pattern)); // new filter
      }
    }
    if (presence !== undefined || onPresence !== undefined) {
      if (onPresence !== undefined && typeof onPresence !== 'function') {
        return Promise.reject(new TypeError('subscribe(topic, handler, {onPresence}): onPresence must be a function'));
      }
      const p = this._presence.get(pattern) || { info: undefined, listeners: new Map() };
      if (presence !== undefined) p.info = presence;
      if (onPresence) p.listeners.set(handler, onPresence);
      this._presence.set(pattern, p);
      if (this._subs.has(pattern) && this.state === 'connected') this._send(this._subFrame(pattern)); // new info or events
    }
    if (durable && !this._durable.has(pattern)) {
      this._durable.add(pattern);
      if (this._subs.has(pattern) && this.state === 'connected') this._send(this._subFrame(pattern)); // now durable
      if (!this._sessionToken && this.state === 'connected') {
        this._request({ type: 'session' }, 'session').then((d) => this._tookSession(d), () => {});
      }
    }
    let s = this._subs.get(pattern);
    const subscription = { pattern, unsubscribe: () => this.unsubscribe(pattern, handler) };
    if (s) {
      s.handlers.add(handler);
      if (s.confirmed) return Promise.resolve(subscription);
      return new Promise((resolve, reject) => s.waiters.push({ resolve: () => resolve(subscription), reject }));
    }
    s = { handlers: new Set([handler]), confirmed: false, waiters: [] };
    this._subs.set(pattern, s);
    const p = new Promise((resolve, reject) => s.waiters.push({ resolve: () => resolve(subscription), reject }));
    if (this.state === 'connected') this._send(this._subFrame(pattern));
    else this.connect().catch(() => {});
    return p;
  }

  /** Removes one handler, or every handler of the pattern when none is given. Resolves when done. */
  async unsubscribe(pattern, handler) {
    const key = typeof pattern === 'object' && pattern ? pattern.pattern : pattern;
    const s = this._subs.get(key);
    if (!s) return;
    if (handler) s.handlers.delete(handler);
    else s.handlers.clear();
    const presence = this._presence.get(key);
    if (presence) {
      if (handler) presence.listeners.delete(handler);
      else presence.listeners.clear();
    }
    if (s.handlers.size > 0) return;
    this._subs.delete(key);
    this._durable.delete(key);
    this._presence.delete(key);
    this._filters.delete(key);
    s.waiters.splice(0).forEach((w) => w.reject(new FerryError('unsubscribed', 'unsubscribed before the server confirmed')));
    if (this.state === 'connected') {
      await this._request({ type: 'unsub', topic: key }, 'unsub').catch((e) => {
        if (e.code !== 'not_subscribed' && e.code !== 'disconnected') throw e;
      });
    }
  }

  /**
   * Publishes `data` (any JSON value, or a Uint8Array/ArrayBuffer as a binary payload) to a topic. Without ack,
   * resolves once handed to the connection. With {ack: true}, publishes exactly once and resolves with
   * {topic, epoch, offset}: the publication carries a pub_id (`pubId`, or a random one), and is sent again with it
   * after outcome_unknown, unavailable, too_many_pub_ids, rate_limited or a lost connection, after a growing delay,
   * until options.publishRetry ms have passed; the server publishes it once whatever the number of tries.
   */
  async publish(topic, data, { ack = false, tags, pubId } = {}) {
    const frame = { type: 'pub', topic, data: data === undefined ? null : data };
    if (tags !== undefined) frame.tags = tags;
    if (!ack) {
      await this._whenConnectedOrFail();
      if (pubId !== undefined) frame.pub_id = pubId;
      this._send(frame, 'data');
      return undefined;
    }
    frame.ack = true;
    frame.pub_id = pubId !== undefined ? pubId : newPubId();
    const deadline = Date.now() + this.options.publishRetry;
    for (let attempt = 0; ; attempt++) {
      try {
        await this._whenConnectedOrFail();
        return await this._request(frame, 'pub', 'data');
      } catch (e) {
        const delay = Math.min(2000, 100 * 2 ** Math.min(attempt, 5));
        if (!RETRIED_PUBLICATION.has(e.code) || Date.now() + delay > deadline) throw e;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /**
   * Calls a procedure; resolves with its result, rejects with a FerryError (callee_error, call_timeout, canceled,
   * ...). With `onProgress` the call takes progressive results: each is passed to it, in order, before the result.
   * Aborting `signal` cancels the call (`cancelMode`: 'skip', 'kill' or 'killnowait', the default); the promise
   * then rejects with `canceled` (with 'kill', settles with the callee's answer).
   */
  async call(proc, args = null, { timeout, onProgress, signal, cancelMode } = {}) {
    if (signal && signal.aborted) throw new FerryError('canceled', 'the call was canceled before it was made');
    await this._whenConnectedOrFail();
    const frame = { type: 'call', proc, args };
    if (timeout !== undefined) frame.timeout = timeout;
    if (typeof onProgress === 'function') frame.progress = true;
    return new Promise((resolve, reject) => {
      let onAbort;
      const done = () => {
        this._progress.delete(id);
        if (signal) signal.removeEventListener('abort', onAbort);
      };
      const id = this._track('call', proc, (v) => { done(); resolve(v); }, (e) => { done(); reject(e); });
      if (frame.progress) this._progress.set(id, onProgress);
      if (signal) {
        onAbort = () => {
          if (this._pending.has(id) && this._link) this._send({ type: 'cancel', id, mode: cancelMode || 'killnowait' });
        };
        signal.addEventListener('abort', onAbort, { once: true });
      }
      this._send({ ...frame, id }, 'args');
    });
  }

  /**
   * Registers `handler(args, info)` for a procedure; what it returns (or resolves to) is the result, what it
   * throws the error ({code, message, data} taken from the thrown value). `info` is `{proc, receivesProgress,
   * progress(data), signal}`: `progress` sends a progressive result when the caller takes them, and `signal` (an
   * AbortSignal) aborts with the mode ('kill' or 'killnowait') when the server interrupts the invocation.
   * `invoke` is the invocation policy ('single', 'roundrobin' (default), 'random', 'first', 'last'), shared by
   * every callee of the procedure. Re-registered after reconnects.
   */
  register(proc, handler, { invoke } = {}) {
    if (typeof handler !== 'function') return Promise.reject(new TypeError('register(proc, handler): handler must be a function'));
    const existing = this._procs.get(proc);
    const r = existing || { handler, invoke, confirmed: false, waiters: [] };
    r.handler = handler;
    if (existing && existing.confirmed) return Promise.resolve({ proc });
    const p = new Promise((resolve, reject) => r.waiters.push({ resolve: () => resolve({ proc }), reject }));
    if (!existing) {
      this._procs.set(proc, r);
      if (this.state === 'connected') this._send(registerFrame(this._track('register', proc), proc, invoke));
      else this.connect().catch(() => {});
    }
    return p;
  }

  async unregister(proc) {
    if (!this._procs.delete(proc)) return;
    if (this.state === 'connected') {
      await this._request({ type: 'unregister', proc }, 'unregister').catch((e) => {
        if (e.code !== 'not_registered' && e.code !== 'disconnected') throw e;
      });
    }
  }

  /**
   * The registered procedures under a prefix ('' for all) that this client may call: {prefix, procedures: [{proc,
   * callees, invoke, calls, rate}], truncated} (docs/protocol.md, "procedures").
   */
  async procedures(prefix = '') {
    await this._whenConnectedOrFail();
    return this._request({ type: 'procedures', prefix }, 'procedures');
  }

  /** The topic index at a prefix ('' for the root): {prefix, subscribers, total, children: [...], truncated}. */
  async index(prefix = '') {
    await this._whenConnectedOrFail();
    return this._request({ type: 'index', prefix }, 'index');
  }

  /**
   * A page of a topic's presence (docs/protocol.md §4.7): {topic, count, entries: [{conn, user, info?, joined}],
   * next}; pass `next` as `cursor` for the following page.
   */
  async presence(topic, { cursor, limit } = {}) {
    await this._whenConnectedOrFail();
    const frame = { type: 'presence', topic };
    if (cursor !== undefined && cursor !== null) frame.cursor = cursor;
    if (limit !== undefined) frame.limit = limit;
    return this._request(frame, 'presence');
  }

  /** Application-level ping; resolves with the round trip in ms. */
  async ping() {
    await this._whenConnectedOrFail();
    const t0 = Date.now();
    await this._request({ type: 'ping' }, 'ping');
    return Date.now() - t0;
  }

  /** The last offset seen on a topic, or undefined. */
  lastOffset(topic) {
    return this._positions.get(topic)?.offset;
  }

  /**
   * A `sub` for `pattern` that asks the server to replay what this client missed on the topics it has seen
   * (docs/protocol.md §4.1): `since` is one position for a concrete topic, a list of them for a pattern.
   */
  _subFrame(pattern) {
    const frame = { type: 'sub', id: this._track('sub', pattern), topic: pattern };
    if (this._durable.has(pattern)) frame.durable = true;
    if (this._filters.has(pattern)) frame.filter = this._filters.get(pattern);
    const presence = this._presence.get(pattern);
    if (presence) {
      if (presence.info !== undefined) frame.presence = presence.info;
      if (presence.listeners.size > 0) frame.presence_events = true;
    }
    const since = [];
    for (const [topic, p] of this._positions) {
      if (since.length < MAX_SINCE && matches(pattern, topic)) since.push({ topic, offset: p.offset, epoch: p.epoch });
    }
    if (since.length > 0) {
      frame.since = pattern.split('.').some((w) => w === '*' || w === '#') ? since : { offset: since[0].offset, epoch: since[0].epoch };
    }
    return frame;
  }

  /** Reads a `sub` answer: where concrete topics start, and which topics history could not bring back. */
  _onSubscribed(data) {
    if (!data) return;
    const entries = Array.isArray(data.positions) ? data.positions : (data.offset !== undefined ? [data] : []);
    for (const e of entries) {
      const known = this._positions.get(e.topic);
      const lost = e.recovered === false;
      if (lost || !known || known.epoch !== (e.epoch || '')) {
        this._positions.set(e.topic, { offset: e.offset, epoch: e.epoch || '' });
      }
      if (lost) this.emit('reset', { topic: e.topic, epoch: e.epoch, offset: e.offset });
    }
  }

  // ---------------------------------------------------------------- plumbing

  _whenConnectedOrFail() {
    if (this.state === 'closed') return Promise.reject(new FerryError('closed', 'the client is closed'));
    return this.connect();
  }

  _track(kind, key, resolve = () => {}, reject = () => {}) {
    const id = this._nextId++;
    this._pending.set(id, { kind, key, resolve, reject });
    return id;
  }

  _request(frame, kind, payloadName) {
    return new Promise((resolve, reject) => {
      const id = this._track(kind, frame.topic || frame.proc, resolve, reject);
      this._send({ ...frame, id }, payloadName);
    });
  }

  _send(frame, payloadName) {
    if (!this._link) throw new FerryError('disconnected', 'not connected');
    this._link.send(encodeFrame(frame, payloadName));
  }

  _onMessage(data) {
    let frames;
    try {
      frames = decodeMessage(data);
    } catch (e) {
      this.emit('error', e);
      return;
    }
    for (const f of frames) {
      try {
        this._onFrame(f);
      } catch (e) {
        this.emit('error', e);
      }
    }
  }

  _onFrame(f) {
    switch (f.type) {
      case 'msg':
        return this._onPublication(f);
      case 'result':
        return this._settle(f.id, (p) => this._resolve(p, f.data));
      case 'error':
        if (!f.id || !this._pending.has(f.id)) {
          this.emit('error', new FerryError(f.code, f.message, f.data));
          return;
        }
        return this._settle(f.id, (p) => this._reject(p, new FerryError(f.code, f.message, f.data)));
      case 'pong':
        return this._settle(f.id, (p) => p.resolve());
      case 'invoke':
        return this._onInvoke(f);
      case 'progress': {
        const listener = this._progress.get(f.id);
        if (listener) listener(f.data);
        return undefined;
      }
      case 'interrupt': {
        const controller = this._invocations.get(f.id);
        if (controller) {
          if (f.mode !== 'kill') this._invocations.delete(f.id);
          controller.abort(f.mode);
        }
        return undefined;
      }
      case 'presence_diff':
        return this._onPresence({ topic: f.topic, joins: f.joins || [], leaves: f.leaves || [], reset: f.reset === true });
      case 'state':
      case 'state_patch':
        return this._onState(f);
      case 'server_sub':
        this._serverSubs.add(f.topic);
        this.emit('server_sub', { topic: f.topic });
        return undefined;
      case 'server_unsub':
        this._serverSubs.delete(f.topic);
        this.emit('server_unsub', { topic: f.topic });
        return undefined;
      case 'goaway':
        this._goAwayDelay = Math.round((f.reconnect_ms || 1000) * (0.5 + this.options.random()));
        this.emit('goaway', f);
        return undefined;
      default:
        return undefined;
    }
  }

  _settle(id, fn) {
    const p = this._pending.get(id);
    if (!p) return;
    this._pending.delete(id);
    fn(p);
  }

  _resolve(p, data) {
    if (p.kind === 'sub') {
      this._onSubscribed(data);
      const s = this._subs.get(p.key);
      if (s) {
        s.confirmed = true;
        s.waiters.splice(0).forEach((w) => w.resolve());
      }
    } else if (p.kind === 'register') {
      const r = this._procs.get(p.key);
      if (r) {
        r.confirmed = true;
        r.waiters.splice(0).forEach((w) => w.resolve());
      }
    } else {
      p.resolve(data);
    }
  }

  _reject(p, err) {
    if (p.kind === 'sub') {
      const s = this._subs.get(p.key);
      if (s) {
        this._subs.delete(p.key);
        this._presence.delete(p.key);
        s.waiters.splice(0).forEach((w) => w.reject(err));
      }
    } else if (p.kind === 'register') {
      const r = this._procs.get(p.key);
      if (r) {
        this._procs.delete(p.key);
        r.waiters.splice(0).forEach((w) => w.reject(err));
      }
    } else {
      p.reject(err);
    }
  }

  _onPublication(f) {
    const epoch = f.epoch || '';
    const last = this._positions.get(f.topic);
    if (last && last.epoch === epoch && f.offset <= last.offset) return; // seen already (replay meets live)
    this._positions.set(f.topic, { offset: f.offset, epoch });
    const meta = f.tags ? { topic: f.topic, offset: f.offset, tags: f.tags } : { topic: f.topic, offset: f.offset };
    for (const [pattern, s] of this._subs) {
      if (!matches(pattern, f.topic)) continue;
      for (const h of [...s.handlers]) {
        try {
          h(f.data, { ...meta, pattern });
        } catch (e) {
          this.emit('error', e);
        }
      }
    }
    for (const pattern of this._serverSubs) {
      if (matches(pattern, f.topic)) {
        this.emit('server_msg', { data: f.data, ...meta, pattern });
        break;
      }
    }
  }

  _onPresence(diff) {
    const p = this._presence.get(diff.topic);
    if (!p) return;
    for (const fn of [...p.listeners.values()]) {
      try {
        fn(diff);
      } catch (e) {
        this.emit('error', e);
      }
    }
  }

  /** After a reconnect: changes made meanwhile were not heard, so every presence listener starts over. */
  _resetPresence() {
    for (const topic of this._presence.keys()) this._onPresence({ topic, joins: [], leaves: [], reset: true });
  }

  _onInvoke(f) {
    const r = this._procs.get(f.proc);
    const reply = (frame, payloadName) => {
      if (this._link) this._send(frame, payloadName);
    };
    if (!r) {
      reply({ type: 'reply', id: f.id, error: { code: 'not_registered', message: `"${f.proc}" is not registered here` } });
      return;
    }
    const controller = new AbortController();
    this._invocations.set(f.id, controller);
    const info = {
      proc: f.proc,
      receivesProgress: f.progress === true,
      signal: controller.signal,
      progress: (data) => {
        if (f.progress === true && this._invocations.get(f.id) === controller) {
          reply({ type: 'reply', id: f.id, progress: true, data: data === undefined ? null : data }, 'data');
        }
      },
    };
    Promise.resolve()
      .then(() => r.handler(f.args, info))
      .then(
        (result) => {
          this._invocations.delete(f.id);
          reply({ type: 'reply', id: f.id, data: result === undefined ? null : result }, 'data');
        },
        (e) => {
          this._invocations.delete(f.id);
          const error = { code: (e && e.code) || 'error', message: String((e && e.message) || e) };
          if (e && e.data !== undefined) error.data = e.data;
          reply({ type: 'reply', id: f.id, error });
        },
      );
  }

  // ---------------------------------------------------------------- state channels (docs/protocol.md §4.6)

  /**
   * Follows a state channel: resolves with a StateReplica holding its document once the first one arrived, kept
   * in sync afterwards (patches in version order; after a reconnect the missed patches, or a fresh snapshot when
   * the server no longer has them). `onChange` is a shorthand for replica.on('change', ...). One per topic.
   */
  followState(topic, { onChange } = {}) {
    if (this.state === 'closed') return Promise.reject(new FerryError('closed', 'the client is closed'));
    if (this._states.has(topic)) return Promise.reject(new FerryError('already_following', `this client already follows ${topic}`));
    const r = new StateReplica(this, topic);
    if (typeof onChange === 'function') r.on('change', onChange);
    this._states.set(topic, r);
    if (this.state === 'connected') this._followState(r, false);
    else this.connect().catch(() => {});
    return r.ready;
  }

  /** Sends state_sub for a replica: from the version it holds when resuming after a reconnect. */
  _followState(r, resume) {
    const frame = { type: 'state_sub', topic: r.topic };
    if (resume && r.version >= 0) {
      frame.version = r.version;
      if (r.epoch !== undefined) frame.epoch = r.epoch;
    }
    this._request(frame, 'state_sub').catch((e) => {
      if (e.code === 'disconnected' || e.code === 'closed') return; // sent again on the next connection
      if (this._states.get(r.topic) === r) this._states.delete(r.topic);
      r._active = false;
      r._rejectReady(e);
      if (r.version >= 0) this.emit('error', e);
    });
  }

  _onState(f) {
    const r = this._states.get(f.topic);
    if (!r) return;
    if (f.type === 'state') r._snapshot(f);
    else if (!r._patch(f) && this.state === 'connected') this._followState(r, false); // out of step: a snapshot
  }

  async _unfollowState(r) {
    if (!r._active) return;
    r._active = false;
    if (this._states.get(r.topic) !== r) return;
    this._states.delete(r.topic);
    if (this.state === 'connected') {
      await this._request({ type: 'state_unsub', topic: r.topic }, 'state_unsub').catch((e) => {
        if (e.code !== 'not_subscribed' && e.code !== 'disconnected') throw e;
      });
    }
  }

  /** Reads a state channel once: {topic, epoch, version, data}. */
  async getState(topic) {
    await this._whenConnectedOrFail();
    return this._request({ type: 'state_get', topic }, 'state_get');
  }

  /**
   * Changes a state channel with an RFC 7386 JSON Merge Patch; with {ifVersion} only if it is still at that
   * version (else a FerryError state_conflict whose data holds the current version). Resolves with
   * {topic, epoch, version}.
   */
  async mergeState(topic, patch, { ifVersion } = {}) {
    await this._whenConnectedOrFail();
    const frame = { type: 'state_update', topic, merge: patch };
    if (ifVersion !== undefined) frame.if_version = ifVersion;
    return this._request(frame, 'state_update');
  }

  /** Changes a state channel with an RFC 6902 JSON Patch (an array of operations); as mergeState otherwise. */
  async patchState(topic, operations, { ifVersion } = {}) {
    await this._whenConnectedOrFail();
    const frame = { type: 'state_update', topic, patch: operations };
    if (ifVersion !== undefined) frame.if_version = ifVersion;
    return this._request(frame, 'state_update');
  }
}
