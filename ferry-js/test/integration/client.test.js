import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { Ferry, FerryError } from '../../src/index.js';
import { httpUrl, wsBase, needsServer, inbox, until, subscriptionsUnder } from '../helpers.js';

const clients = [];
function client(options = {}) {
  const f = new Ferry(wsBase + '/v1/ws', { WebSocket, ...options });
  clients.push(f);
  return f;
}
after(() => clients.forEach((c) => c.close()));

test('publish reaches subscribers of matching patterns, with topic and offset', needsServer, async () => {
  const a = client();
  const b = client();
  const box = inbox();
  await a.subscribe('it.pub.*', (data, m) => box.push([data, m.topic, m.pattern, m.offset]));
  await b.connect();
  const ack = await b.publish('it.pub.x', { text: 'hi' }, { ack: true });
  assert.equal(ack.topic, 'it.pub.x');
  assert.equal(ack.offset, 1);
  assert.match(ack.epoch, /^[0-9a-f]+$/);
  assert.deepEqual(await box.next(), [{ text: 'hi' }, 'it.pub.x', 'it.pub.*', 1]);
  await b.publish('it.pub.y', new Uint8Array([1, 2, 3]));
  const [bytes, topic] = await box.next();
  assert.equal(topic, 'it.pub.y');
  assert.deepEqual([...bytes], [1, 2, 3]);
});

test('unsubscribe stops deliveries', needsServer, async () => {
  const a = client();
  const box = inbox(300);
  const sub = await a.subscribe('it.unsub', (d) => box.push(d));
  await sub.unsubscribe();
  await a.publish('it.unsub', 1, { ack: true });
  await assert.rejects(box.next());
});

test('call reaches a registered procedure; errors carry their codes', needsServer, async () => {
  const callee = client();
  const caller = client();
  await callee.register('it.math.add', ([x, y]) => x + y);
  await callee.register('it.fail', () => { throw Object.assign(new Error('nope'), { code: 'app.nope' }); });
  assert.equal(await caller.call('it.math.add', [2, 3]), 5);
  await assert.rejects(caller.call('it.fail'), (e) => e instanceof FerryError && e.code === 'callee_error' && e.data.code === 'app.nope');
  await assert.rejects(caller.call('it.nobody'), (e) => e.code === 'no_such_procedure');
  await assert.rejects(caller.publish('it.*', 1, { ack: true }), (e) => e.code === 'bad_topic');
  await callee.unregister('it.math.add');
  await assert.rejects(caller.call('it.math.add', [1, 1]), (e) => e.code === 'no_such_procedure');
});

test('index lists active children with subscriber counts', needsServer, async () => {
  const a = client();
  await a.subscribe('it.idx.room1', () => {});
  await a.subscribe('it.idx.room2', () => {});
  const idx = await a.index('it.idx');
  assert.equal(idx.prefix, 'it.idx');
  assert.deepEqual(idx.children.map((c) => [c.topic, c.subscribers]), [['it.idx.room1', 1], ['it.idx.room2', 1]]);
  const http = await (await fetch(httpUrl + '/v1/topics?prefix=it.idx')).json();
  assert.deepEqual(http, idx);
});

test('states are reported and the client reconnects and re-subscribes after the connection drops', needsServer, async () => {
  const states = [];
  let socket;
  class Tracked extends WebSocket {
    constructor(...args) {
      super(...args);
      socket = this;
    }
  }
  const a = client({ WebSocket: Tracked, minDelay: 20, maxDelay: 50 });
  a.on('state', (e) => states.push(e.state));
  const box = inbox();
  await a.subscribe('it.re', (d) => box.push(d));
  socket.terminate();
  await new Promise((resolve) => a.on('connected', resolve));
  await a.ping();
  const b = client();
  await b.publish('it.re', 'after', { ack: true });
  assert.equal(await box.next(), 'after');
  assert.deepEqual(states.slice(0, 4), ['connecting', 'connected', 'disconnected', 'connecting']);
});

test('a durable subscription is resumed after the connection drops, with what was published meanwhile', needsServer, async () => {
  let socket;
  class Tracked extends WebSocket {
    constructor(...args) {
      super(...args);
      socket = this;
    }
  }
  const a = client({ WebSocket: Tracked, minDelay: 400, maxDelay: 500 });
  const box = inbox();
  await a.subscribe('it.durable', (d, m) => box.push(`${d}@${m.offset}`), { durable: true });
  const b = client();
  await b.publish('it.durable', 'one', { ack: true });
  assert.equal(await box.next(), 'one@1');
  const token = a.sessionToken;
  assert.ok(token);
  const down = new Promise((resolve) => a.on('disconnected', resolve));
  socket.terminate();
  await down;
  // The server notices too (the session's subscription leaves the topic index), well before the client's backoff
  // of 400 ms or more ends: what follows is published while no connection holds the session.
  await until(async () => (await subscriptionsUnder('it.durable')) === 0, 'the server sees the connection go');
  await b.publish('it.durable', 'two', { ack: true });
  await b.publish('it.durable', 'three', { ack: true });
  await new Promise((resolve) => a.on('connected', resolve));
  assert.equal(await box.next(), 'two@2');
  assert.equal(await box.next(), 'three@3');
  await b.publish('it.durable', 'four', { ack: true });
  assert.equal(await box.next(), 'four@4');
  assert.equal(a.sessionToken, token);
});

test('progressive results reach the caller in order before the result', needsServer, async () => {
  const callee = client();
  const caller = client();
  const asked = [];
  await callee.register('it.count', async (n, info) => {
    asked.push(info.receivesProgress);
    for (let i = 1; i <= n; i++) info.progress(i);
    return 'done';
  });
  const seen = [];
  assert.equal(await caller.call('it.count', 3, { onProgress: (p) => seen.push(p) }), 'done');
  assert.deepEqual(seen, [1, 2, 3]);
  assert.equal(await caller.call('it.count', 1), 'done');
  assert.deepEqual(asked, [true, false]);
});

test('aborting a call cancels it and interrupts the callee', needsServer, async () => {
  const callee = client();
  const caller = client();
  const interrupted = inbox();
  await callee.register('it.wait', (args, info) => new Promise((resolve, reject) => {
    info.signal.addEventListener('abort', () => {
      interrupted.push(info.signal.reason);
      reject(Object.assign(new Error('stopped'), { code: 'app.stopped' }));
    });
  }));
  const started = inbox();
  await callee.register('it.started', () => { started.push(true); return null; });
  const kill = new AbortController();
  const killed = caller.call('it.wait', null, { signal: kill.signal, cancelMode: 'kill', timeout: 60000 });
  await caller.call('it.started'); // the server has routed the first call: it took the same connection first
  kill.abort();
  await assert.rejects(killed, (e) => e instanceof FerryError && e.code === 'canceled' && e.message === 'stopped');
  assert.equal(await interrupted.next(), 'kill');

  const now = new AbortController();
  const dropped = caller.call('it.wait', null, { signal: now.signal, timeout: 60000 });
  await caller.call('it.started');
  now.abort();
  await assert.rejects(dropped, (e) => e.code === 'canceled');
  assert.equal(await interrupted.next(), 'killnowait');
});

test('a single registration refuses a second callee', needsServer, async () => {
  const one = client();
  const two = client();
  await one.register('it.single', () => 1, { invoke: 'single' });
  await assert.rejects(two.register('it.single', () => 2, { invoke: 'single' }), (e) => e.code === 'procedure_exists');
  assert.equal(await two.call('it.single'), 1);
  const { procedures } = await two.procedures('it.single');
  assert.deepEqual(procedures.map((p) => [p.proc, p.callees, p.invoke, p.calls]), [['it.single', 1, 'single', 1]]);
});
