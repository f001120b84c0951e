import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { Ferry, FerryError } from '../../src/index.js';
import { wsBase, needsServer, inbox } from '../helpers.js';

// The server FerryJsIT starts makes topics under js.state. state channels (state.channels, docs/configuration.md).
const clients = [];
function client(options = {}) {
  const f = new Ferry(wsBase + '/v1/ws', { WebSocket, ...options });
  clients.push(f);
  return f;
}
after(() => clients.forEach((c) => c.close()));
// fresh channels on every run, so that a server can be reused
const run = Date.now().toString(36);

test('a replica starts from a snapshot and applies every change', needsServer, async () => {
  const writer = client();
  const reader = client();
  await writer.mergeState(`js.state.one-${run}`, { title: 'a', items: [1] });
  const changes = inbox();
  const replica = await reader.followState(`js.state.one-${run}`, { onChange: (c) => changes.push(c) });
  const first = await changes.next();
  assert.equal(first.snapshot, true);
  assert.equal(first.version, 1);
  assert.deepEqual(replica.document, { title: 'a', items: [1] });

  await writer.patchState(`js.state.one-${run}`, [{ op: 'add', path: '/items/-', value: 2 }]);
  const r = await writer.mergeState(`js.state.one-${run}`, { title: null, done: true });
  assert.equal(r.version, 3);
  const second = await changes.next();
  assert.equal(second.snapshot, false);
  assert.deepEqual(second.patch, [{ op: 'add', path: '/items/-', value: 2 }]);
  const third = await changes.next();
  assert.deepEqual(third.document, { items: [1, 2], done: true });
  assert.equal(replica.version, 3);
  const got = await reader.getState(`js.state.one-${run}`);
  assert.deepEqual(got.data, replica.document);
  assert.equal(got.version, 3);
});

test('a replica catches up with the patches it missed after the connection drops', needsServer, async () => {
  let socket;
  class Tracked extends WebSocket {
    constructor(...args) {
      super(...args);
      socket = this;
    }
  }
  const reader = client({ WebSocket: Tracked, minDelay: 300, maxDelay: 400 });
  const writer = client();
  const changes = inbox();
  const replica = await reader.followState(`js.state.two-${run}`, { onChange: (c) => changes.push(c) });
  assert.deepEqual((await changes.next()).document, {});
  await writer.mergeState(`js.state.two-${run}`, { n: 1 });
  assert.equal((await changes.next()).version, 1);
  const down = new Promise((resolve) => reader.on('disconnected', resolve));
  socket.terminate();
  await down;
  for (let i = 2; i <= 4; i++) await writer.mergeState(`js.state.two-${run}`, { n: i });
  for (let v = 2; v <= 4; v++) {
    const c = await changes.next();
    assert.equal(c.snapshot, false, `version ${v} arrives as a patch`);
    assert.equal(c.version, v);
  }
  assert.deepEqual(replica.document, { n: 4 });
});

test('compare-and-set conflicts and invalid patches are FerryErrors with documented codes', needsServer, async () => {
  const c = client();
  const { version } = await c.mergeState(`js.state.three-${run}`, { a: 1 });
  await c.mergeState(`js.state.three-${run}`, { a: 2 }, { ifVersion: version });
  await assert.rejects(c.mergeState(`js.state.three-${run}`, { a: 3 }, { ifVersion: version }),
    (e) => e instanceof FerryError && e.code === 'state_conflict' && e.data.version === version + 1);
  await assert.rejects(c.patchState(`js.state.three-${run}`, [{ op: 'remove', path: '/nope' }]),
    (e) => e.code === 'invalid_patch' && e.data.index === 0);
  await assert.rejects(c.followState(`js.plain.three-${run}`), (e) => e.code === 'not_state_channel');
  await assert.rejects(c.publish(`js.state.three-${run}`, 1, { ack: true }), (e) => e.code === 'state_channel');
});
