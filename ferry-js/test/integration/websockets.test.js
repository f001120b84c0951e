// The WebSocket-API helpers against a real server, and interoperability with the websocket-multiplex npm client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import vm from 'node:vm';
import { WebSocket } from 'ws';
import { Ferry, MultiWebSocket, JSONWebSocket, topicPath } from '../../src/index.js';
import { wsBase, needsServer, inbox, once, until, subscriptionsUnder } from '../helpers.js';

const require = createRequire(import.meta.url);

/** websocket-multiplex's client is a browser script defining the global WebSocketMultiplex. */
function loadMultiplexClient() {
  if (!globalThis.WebSocketMultiplex) {
    const src = readFileSync(require.resolve('websocket-multiplex/multiplex_client.js'), 'utf8');
    vm.runInThisContext(src + '\nglobalThis.WebSocketMultiplex = WebSocketMultiplex;', { filename: 'multiplex_client.js' });
  }
  return globalThis.WebSocketMultiplex;
}

test('websocket-multiplex client: channels publish and receive, patterns too, ferry.v1 sees the same data', needsServer, async () => {
  const WebSocketMultiplex = loadMultiplexClient();
  const ws = new WebSocket(wsBase + '/v1/multiplex');
  const multiplexer = new WebSocketMultiplex(ws);
  const room = multiplexer.channel('interop.room');
  const all = multiplexer.channel('interop.#'); // travels escaped: interop.%23
  const roomBox = inbox();
  const allBox = inbox();
  room.onmessage = (e) => roomBox.push(e.data);
  all.onmessage = (e) => allBox.push(e.data);
  await Promise.all([new Promise((r) => (room.onopen = r)), new Promise((r) => (all.onopen = r))]);

  const ferry = new Ferry(wsBase + '/v1/ws', { WebSocket });
  const ferryBox = inbox();
  await ferry.subscribe('interop.room', (d) => ferryBox.push(d));
  // The websocket-multiplex client opens a channel without waiting for the server's answer to its sub: the topic
  // index shows when all three subscriptions are made.
  await until(async () => (await subscriptionsUnder('interop')) === 3, 'the multiplexer\'s subscriptions are made');

  room.send('hello, world');
  assert.equal(await roomBox.next(), 'hello, world');
  assert.equal(await allBox.next(), 'hello, world');
  assert.equal(await ferryBox.next(), 'hello, world');

  room.send('{"n":1}');
  assert.equal(await roomBox.next(), '{"n":1}');
  assert.deepEqual(await ferryBox.next(), { n: 1 });

  await ferry.publish('interop.room', { from: 'ferry' });
  assert.equal(await roomBox.next(), '{"from":"ferry"}');

  const closed = new Promise((r) => (room.onclose = r));
  room.close();
  await closed;
  ferry.close();
  ws.close();
});

test('MultiWebSocket channels and a refused channel name', needsServer, async () => {
  const m = new MultiWebSocket(wsBase + '/v1/multiplex', { WebSocket });
  const a = m.WebSocket('mws.a');
  const bad = m.WebSocket('mws..bad');
  const box = inbox();
  a.onmessage = (e) => box.push(e.data);
  const err = once(bad, 'error');
  const close = once(bad, 'close');
  await once(a, 'open');
  assert.equal((await err).detail.code, 'bad_topic');
  assert.equal((await close).code, 1006, 'as a per-topic socket whose upgrade is refused');
  a.send('one');
  assert.equal(await box.next(), 'one');
  m.close();
});

test('per-topic sockets with JSONWebSocket; a pattern socket refuses to publish with 4004', needsServer, async () => {
  const pub = new JSONWebSocket(wsBase + topicPath('pts.room'), undefined, { WebSocket });
  const sub = new JSONWebSocket(wsBase + topicPath('pts.*'), undefined, { WebSocket });
  const box = inbox();
  sub.onmessage = (e) => box.push(e.data);
  await Promise.all([once(pub, 'open'), once(sub, 'open')]);
  pub.send({ text: 'json' });
  assert.deepEqual(await box.next(), { text: 'json' });
  pub.send('just text');
  assert.equal(await box.next(), 'just text');
  const closed = once(sub, 'close');
  sub.send('not allowed');
  assert.equal((await closed).code, 4004);
  pub.close();
});
