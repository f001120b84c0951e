// Presence through the JavaScript client (docs/protocol.md §4.7). The server that FerryJsIT starts keeps presence
// for it.presence.* (presence.rules.js).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { Ferry } from '../../src/index.js';
import { httpUrl, wsBase, needsServer, inbox } from '../helpers.js';

const clients = [];
function client(options = {}) {
  const f = new Ferry(wsBase + '/v1/ws', { WebSocket, ...options });
  clients.push(f);
  return f;
}
after(() => clients.forEach((c) => c.close()));

test('onPresence hears joins and leaves; presence() pages the entries', needsServer, async () => {
  const ana = client();
  const diffs = inbox();
  await ana.subscribe('it.presence.room', () => {}, { presence: { name: 'Ana' }, onPresence: (d) => diffs.push(d) });
  const own = await diffs.next();
  assert.equal(own.topic, 'it.presence.room');
  assert.equal(own.joins.length, 1);
  assert.equal(own.joins[0].info.name, 'Ana');
  assert.equal(own.joins[0].user, null);
  assert.equal(own.reset, false);

  const bob = client();
  const sub = await bob.subscribe('it.presence.room', () => {}, { presence: { name: 'Bob' } });
  const join = await diffs.next();
  assert.deepEqual(join.joins.map((e) => e.info.name), ['Bob']);
  assert.deepEqual(join.leaves, []);

  const page = await bob.presence('it.presence.room');
  assert.equal(page.count, 2);
  assert.equal(page.next, null);
  assert.deepEqual(page.entries.map((e) => e.info.name).sort(), ['Ana', 'Bob']);
  const first = await bob.presence('it.presence.room', { limit: 1 });
  const second = await bob.presence('it.presence.room', { limit: 1, cursor: first.next });
  assert.deepEqual([...first.entries, ...second.entries], page.entries);
  assert.equal(second.next, null);

  const http = await (await fetch(httpUrl + '/v1/presence/it.presence.room')).json();
  assert.ok(['api_disabled', 'unauthorized'].includes(http.code) || http.count === 2);

  await sub.unsubscribe();
  const leave = await diffs.next();
  assert.deepEqual(leave.leaves.map((e) => e.info.name), ['Bob']);
});

test('refused presence options reject the subscription with bad_presence', needsServer, async () => {
  const c = client();
  await assert.rejects(c.subscribe('it.nopresence', () => {}, { presence: { a: 1 } }), (e) => e.code === 'bad_presence');
  await assert.rejects(c.subscribe('it.presence.*', () => {}, { onPresence: () => {} }), (e) => e.code === 'bad_presence');
  await assert.rejects(c.subscribe('it.presence.x', () => {}, { presence: [1, 2] }), (e) => e.code === 'bad_presence');
  await assert.rejects(c.presence('it.nopresence'), (e) => e.code === 'bad_presence');
});
