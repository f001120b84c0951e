// permessage-deflate on /v1/wamp (docs/wamp.md) with Autobahn|JS over Node's ws, which offers the extension by
// default, against a server run with websocket.deflate on: negotiated for wamp.2.json and wamp.2.msgpack, a large
// EVENT arrives compressed and intact at each subscriber that negotiated it, and plain at one that did not.
// The server maps realm "app1" to the topic prefix "app1".
//
// Run as: node wamp-deflate.js <ferry.v1 ws-url> <http-url>

import WebSocket from 'ws';
import { RUN, check, checkEqual, ensure, scenario, WAIT_MS } from './lib.js';

const sockets = [];
/** The ws sockets Autobahn|JS opens, kept to read their negotiated extensions and byte counts. */
class TrackedWebSocket extends WebSocket {
  constructor(url, protocols) {
    super(url, protocols, { perMessageDeflate: TrackedWebSocket.deflate });
    sockets.push(this);
  }
}
TrackedWebSocket.deflate = true;
globalThis.WebSocket = TrackedWebSocket; // Autobahn|JS uses the global WebSocket, which Node 20 lacks
const autobahn = (await import('autobahn')).default;

function wampUrl(ws) {
  const u = new URL(ws);
  u.pathname = '/v1/wamp';
  return u.toString();
}

/** Opens an Autobahn|JS session with one serializer; resolves with the session and its ws socket. */
function join(url, serializer, deflate = true) {
  TrackedWebSocket.deflate = deflate;
  return new Promise((resolve, reject) => {
    const connection = new autobahn.Connection({ url, realm: 'app1', max_retries: 0, serializers: [serializer] });
    connection.onopen = (session) => resolve({ connection, session, ws: sockets[sockets.length - 1] });
    connection.onclose = (reason, details) => { reject(new Error(`${reason}: ${JSON.stringify(details)}`)); return true; };
    connection.open();
  });
}

function next(what) {
  let resolve;
  const p = new Promise((res, rej) => {
    resolve = res;
    setTimeout(() => rej(new Error(`timed out waiting for ${what}`)), WAIT_MS).unref();
  });
  return { p, resolve };
}

scenario('wamp-deflate', async ({ ws }) => {
  const url = wampUrl(ws);
  const topic = `com.example.${RUN}.telemetry`;
  const json = new autobahn.serializer.JSONSerializer();
  const msgpack = new autobahn.serializer.MsgpackSerializer();
  const subscribers = [
    { name: 'json 1', ...(await join(url, json)) },
    { name: 'json 2', ...(await join(url, json)) },
    { name: 'msgpack 1', ...(await join(url, msgpack)) },
    { name: 'msgpack 2', ...(await join(url, msgpack)) },
    { name: 'json without deflate', ...(await join(url, json, false)) },
  ];
  const publisher = await join(url, json);

  for (const s of subscribers) {
    const agreed = s.ws._extensions['permessage-deflate'];
    if (s.name.includes('without')) {
      check(s.ws.extensions === '', `${s.name}: no extension`);
    } else {
      check(s.ws.extensions === 'permessage-deflate' && agreed && agreed.params.server_no_context_takeover === true,
        `${s.name} (${s.ws.protocol}): permessage-deflate with server_no_context_takeover`, JSON.stringify(agreed && agreed.params));
    }
    s.events = [];
    s.waiting = next(`${s.name}: event`);
    await s.session.subscribe(topic, (args, kwargs) => {
      s.events.push({ args, kwargs });
      s.waiting.resolve();
    });
  }

  const rows = [];
  for (let i = 0; i < 400; i++) {
    rows.push({ id: i, name: `sensor-${i % 17}`, region: i % 2 ? 'east' : 'west', temp: 20 + (i % 13) / 4 });
  }
  const size = JSON.stringify(rows).length;
  const before = subscribers.map((s) => s.ws._socket.bytesRead);
  await publisher.session.publish(topic, [], { rows }, { acknowledge: true });
  for (let i = 0; i < subscribers.length; i++) {
    const s = subscribers[i];
    await s.waiting.p;
    ensure(s.events.length === 1, `${s.name}: one event`);
    checkEqual(s.events[0], { args: [], kwargs: { rows } }, `${s.name}: the ${size}-byte EVENT arrives intact`);
    const read = s.ws._socket.bytesRead - before[i];
    if (s.name.includes('without')) {
      check(read > size, `${s.name}: read ${read} bytes for it (plain)`);
    } else {
      check(read < size / 4, `${s.name}: read ${read} bytes for it (compressed)`);
    }
  }

  for (const s of subscribers) {
    s.waiting = next(`${s.name}: small event`);
  }
  await publisher.session.publish(topic, ['small'], {}, { acknowledge: true });
  for (const s of subscribers) {
    await s.waiting.p;
    checkEqual(s.events[1], { args: ['small'], kwargs: {} }, `${s.name}: a small EVENT (below the threshold) arrives too`);
  }

  for (const s of [...subscribers, publisher]) s.connection.close();
});
