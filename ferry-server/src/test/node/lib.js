// Shared helpers for the ferry.v1 interop scenarios, written against docs/protocol.md with Node's ws package.
//
// Every scenario is run as:   node <scenario>.js <ws-url> [<http-base-url>]
// or with FERRY_WS_URL / FERRY_HTTP_URL in the environment. It prints one line per check and exits 0 when
// all checks pass, or 1 with a "FAIL" line naming the failed check. A watchdog ends it after SCENARIO_BUDGET_MS.

import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual, inspect } from 'node:util';
import WebSocket from 'ws';

export const SUBPROTOCOL = 'ferry.v1';
/** Whole-scenario budget: a scenario finishes or fails on its own within this. */
export const SCENARIO_BUDGET_MS = 150_000;
/** How long a single expected frame may take to arrive. */
export const WAIT_MS = 30_000;
/** How long to listen when checking that nothing (more) arrives. */
export const QUIET_MS = 300;

const LF = 0x0a;

export class CheckFailed extends Error {}

/** The server URLs, from argv or the environment. Only loopback servers are accepted. */
export function urls() {
  const ws = process.argv[2] || process.env.FERRY_WS_URL;
  const http = process.argv[3] || process.env.FERRY_HTTP_URL || (ws && deriveHttp(ws));
  if (!ws) {
    throw new CheckFailed('usage: node <scenario>.js <ws-url> [<http-base-url>] (or FERRY_WS_URL / FERRY_HTTP_URL)');
  }
  for (const u of [ws, http]) {
    const host = new URL(u).hostname;
    if (host !== '127.0.0.1') {
      throw new CheckFailed(`refusing to connect to ${u}: these scenarios only talk to 127.0.0.1`);
    }
  }
  return { ws, http };
}

function deriveHttp(ws) {
  const u = new URL(ws);
  return `${u.protocol === 'wss:' ? 'https:' : 'http:'}//${u.host}`;
}

/** A word that makes topics and procedure names unique to this run, so that offsets start at 1. */
export const RUN = 'r' + randomBytes(4).toString('hex');

/** Prints one passed check, or throws a failure naming it. */
export function check(ok, what, detail) {
  if (!ok) {
    throw new CheckFailed(what + (detail === undefined ? '' : `\n    ${detail}`));
  }
  console.log(`ok   - ${what}`);
}

/** Like check, but prints nothing when it holds (for preconditions of a following check). */
export function ensure(ok, what, detail) {
  if (!ok) {
    throw new CheckFailed(what + (detail === undefined ? '' : `\n    ${detail}`));
  }
}

/** Checks that {@code actual} deep-equals {@code expected} (JSON values). */
export function checkEqual(actual, expected, what) {
  check(isDeepStrictEqual(actual, expected), what,
    `expected ${show(expected)}\n    actual   ${show(actual)}`);
}

/**
 * The epoch a publication's acknowledgement names (docs/protocol.md, "pub": `{topic, epoch, offset}`), after
 * checking that it is a non-empty string; for use in the expected value of a checkEqual of that acknowledgement.
 */
export function ackEpoch(reply, what) {
  const epoch = reply && reply.data && reply.data.epoch;
  ensure(typeof epoch === 'string' && epoch.length > 0, `${what}: the ack names the topic's epoch`, `got ${show(reply)}`);
  return epoch;
}

/** Prints an informational line that is not a check. */
export function info(text) {
  console.log(`info - ${text}`);
}

export function show(v) {
  if (Buffer.isBuffer(v)) {
    return `<${v.length} bytes ${v.subarray(0, 32).toString('hex')}${v.length > 32 ? '...' : ''}>`;
  }
  if (v && typeof v === 'object' && v.kind) {
    return v.kind === 'binary' ? `binary ${show(v.header)} + ${show(v.payload)}`
      : v.kind === 'close' ? `close ${v.code} ${JSON.stringify(v.reason)}`
        : v.kind === 'unparseable' ? `unparseable text line ${JSON.stringify(v.text)}`
          : JSON.stringify(v.frame);
  }
  return inspect(v, { depth: 6, breakLength: Infinity });
}

/** Runs a scenario: prints its result and exits 0 or 1; fails by itself after SCENARIO_BUDGET_MS. */
export function scenario(name, body) {
  const clients = [];
  const watchdog = setTimeout(() => {
    console.log(`FAIL - scenario ${name}: did not finish within ${SCENARIO_BUDGET_MS} ms`);
    clients.forEach((c) => c.terminate());
    process.exit(1);
  }, SCENARIO_BUDGET_MS);
  const track = (c) => {
    clients.push(c);
    return c;
  };
  console.log(`# scenario ${name} (run ${RUN})`);
  Promise.resolve()
    .then(() => body({ ...urls(), track }))
    .then(() => {
      console.log(`PASS - scenario ${name}`);
      return 0;
    }, (e) => {
      const message = e instanceof CheckFailed ? e.message : (e && e.stack) || String(e);
      console.log(`FAIL - ${message}`);
      return 1;
    })
    .then((code) => {
      clearTimeout(watchdog);
      clients.forEach((c) => c.terminate());
      process.exit(code);
    });
}

/** Concatenates a binary message: a compact JSON header, one LF byte, then the payload. */
export function binaryMessage(header, payload) {
  return Buffer.concat([Buffer.from(JSON.stringify(header), 'utf8'), Buffer.from([LF]), payload]);
}

/**
 * A ferry.v1 connection on ws. Received text messages are split on LF into frames (empty lines ignored) and
 * queued one by one; a binary message is queued whole as {header, payload}; the close is queued last.
 */
export class FerryClient {
  /**
   * Opens a connection offering {@code protocols} (default: ferry.v1); rejects if it does not open. {@code options}
   * go to ws (e.g. perMessageDeflate, which ws offers by default).
   */
  static open(url, protocols = [SUBPROTOCOL], name = 'client', options = {}) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocols, { handshakeTimeout: WAIT_MS, ...options });
      const client = new FerryClient(ws, name);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (req, res) => {
        readBody(res).then((body) => reject(new CheckFailed(
          `${name}: upgrade refused with HTTP ${res.statusCode}: ${body}`)));
        req.destroy();
      });
      ws.once('error', (e) => reject(new CheckFailed(`${name}: connection failed: ${e.message}`)));
    });
  }

  constructor(ws, name) {
    this.ws = ws;
    this.name = name;
    this.queue = [];
    this.waiters = [];
    /** Number of WebSocket messages received, and of text messages that carried more than one frame. */
    this.messages = 0;
    this.batchedMessages = 0;
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', (code, reason) => this.push({ kind: 'close', code, reason: reason.toString('utf8') }));
    ws.on('error', () => {}); // surfaced as the close
  }

  /**
   * Every msg carries its topic's epoch (protocol.md §5): check it is a token that stays the same for the topic,
   * then take it off, so that scenarios compare the rest of the frame.
   */
  checkEpoch(frame) {
    if (frame && frame.type === 'msg') {
      if (typeof frame.epoch !== 'string' || frame.epoch.length === 0) {
        this.push({ kind: 'unparseable', text: `msg without an epoch: ${JSON.stringify(frame)}` });
        return frame;
      }
      this.epochs ??= new Map();
      const seen = this.epochs.get(frame.topic);
      if (seen !== undefined && seen !== frame.epoch) {
        this.push({ kind: 'unparseable', text: `epoch of ${frame.topic} changed from ${seen}: ${JSON.stringify(frame)}` });
      }
      this.epochs.set(frame.topic, frame.epoch);
      const { epoch, ...rest } = frame;
      return rest;
    }
    return frame;
  }

  onMessage(data, isBinary) {
    this.messages += 1;
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (isBinary) {
      const lf = buf.indexOf(LF);
      if (lf < 0) {
        this.push({ kind: 'binary', header: null, payload: buf, raw: buf });
        return;
      }
      let header;
      try {
        header = JSON.parse(buf.subarray(0, lf).toString('utf8'));
      } catch {
        header = null;
      }
      this.push({ kind: 'binary', header: this.checkEpoch(header), payload: buf.subarray(lf + 1), raw: buf });
      return;
    }
    const lines = buf.toString('utf8').split('\n').filter((l) => l.length > 0);
    if (lines.length > 1) {
      this.batchedMessages += 1;
    }
    for (const line of lines) {
      try {
        this.push({ kind: 'frame', frame: this.checkEpoch(JSON.parse(line)), text: line });
      } catch {
        this.push({ kind: 'unparseable', text: line });
      }
    }
  }

  push(item) {
    const w = this.waiters.shift();
    if (w) {
      w(item);
    } else {
      this.queue.push(item);
    }
  }

  /** The next received item, or null after {@code ms}. */
  nextItem(ms = WAIT_MS) {
    if (this.queue.length > 0) {
      return Promise.resolve(this.queue.shift());
    }
    return new Promise((resolve) => {
      const waiter = (item) => {
        clearTimeout(timer);
        resolve(item);
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        resolve(null);
      }, ms);
      this.waiters.push(waiter);
    });
  }

  /** The next item, failing the check {@code what} if nothing arrives in time. */
  async next(what, ms = WAIT_MS) {
    const item = await this.nextItem(ms);
    if (item === null) {
      throw new CheckFailed(`${what}: ${this.name} received nothing within ${ms} ms`);
    }
    return item;
  }

  /** The next JSON frame (from a text message); fails on anything else. */
  async nextFrame(what, ms = WAIT_MS) {
    const item = await this.next(what, ms);
    if (item.kind !== 'frame') {
      throw new CheckFailed(`${what}: ${this.name} expected a JSON text frame, got ${show(item)}`);
    }
    return item.frame;
  }

  /** The next binary message; fails on anything else. */
  async nextBinary(what, ms = WAIT_MS) {
    const item = await this.next(what, ms);
    if (item.kind !== 'binary') {
      throw new CheckFailed(`${what}: ${this.name} expected a binary message, got ${show(item)}`);
    }
    return item;
  }

  /** Checks that nothing arrives within {@code ms}. */
  async checkQuiet(what, ms = QUIET_MS) {
    const item = await this.nextItem(ms);
    check(item === null, what, item === null ? undefined : `${this.name} unexpectedly received ${show(item)}`);
  }

  /** Sends frames as one text message: one frame plainly, several batched with LF separators. */
  send(...frames) {
    return this.sendText(frames.map((f) => JSON.stringify(f)).join('\n'));
  }

  sendText(text) {
    return new Promise((resolve, reject) => this.ws.send(text, { binary: false },
      (e) => (e ? reject(new CheckFailed(`${this.name}: send failed: ${e.message}`)) : resolve())));
  }

  sendBinary(buf) {
    return new Promise((resolve, reject) => this.ws.send(buf, { binary: true },
      (e) => (e ? reject(new CheckFailed(`${this.name}: send failed: ${e.message}`)) : resolve())));
  }

  /** Sends a command and returns the next frame, which must carry the command's id. */
  async request(frame, what) {
    await this.send(frame);
    const reply = await this.nextFrame(what);
    if (reply.id !== frame.id) {
      throw new CheckFailed(`${what}: expected a reply with id ${frame.id}, got ${show(reply)}`);
    }
    return reply;
  }

  /** Sends a ping and checks that its pong is the next frame. */
  async checkPing(id, what = `ping ${id} is answered by pong ${id}`) {
    await this.send({ type: 'ping', id });
    checkEqual(await this.nextFrame(what), { type: 'pong', id }, what);
  }

  close() {
    this.ws.close(1000, 'bye');
  }

  terminate() {
    this.ws.terminate();
  }
}

/**
 * Attempts an upgrade that the server must refuse; resolves to {statusCode, body}, or rejects if the
 * connection opens or fails otherwise.
 */
export function openRefused(url, protocols) {
  return new Promise((resolve, reject) => {
    const ws = protocols === undefined
      ? new WebSocket(url, { handshakeTimeout: WAIT_MS })
      : new WebSocket(url, protocols, { handshakeTimeout: WAIT_MS });
    ws.once('unexpected-response', (req, res) => {
      readBody(res).then((body) => {
        req.destroy();
        resolve({ statusCode: res.statusCode, body });
      }, reject);
    });
    ws.once('open', () => {
      ws.terminate();
      reject(new CheckFailed(`upgrade offering ${show(protocols)} was accepted (protocol ${show(ws.protocol)}), expected HTTP 400`));
    });
    ws.once('error', (e) => reject(new CheckFailed(`upgrade offering ${show(protocols)} failed without an HTTP response: ${e.message}`)));
  });
}

function readBody(res) {
  return new Promise((resolve) => {
    const chunks = [];
    const timer = setTimeout(() => resolve(Buffer.concat(chunks).toString('utf8') + '<body not complete>'), WAIT_MS);
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    res.on('error', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** Checks that {@code frame} is an error with this code (and id, or no id when {@code id} is undefined). */
export function checkError(frame, code, id, what) {
  const expected = id === undefined ? { type: 'error', code } : { type: 'error', id, code };
  const actual = { type: frame.type, code: frame.code };
  if (id !== undefined || 'id' in frame) {
    actual.id = frame.id;
  }
  checkEqual(actual, expected, `${what}: error ${code}${id === undefined ? ' without id' : ` with id ${id}`}`);
  check(typeof frame.message === 'string' && frame.message.length > 0
    && !/\bat [\w$.]+\(|Exception\b/.test(frame.message),
  `${what}: error has a human-readable message (${JSON.stringify(frame.message)})`);
}
