import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ferry } from '../../src/index.js';
import { until } from '../helpers.js';

/** A transport under the test's control: records what the client sends, lets the test open, answer and close. */
function fakeTransport() {
  const t = {
    name: 'fake',
    links: [],
    open(url, hooks) {
      const link = { url, hooks, sent: [] };
      link.send = (d) => link.sent.push(JSON.parse(d));
      link.close = () => {};
      t.links.push(link);
      return link;
    },
    get last() { return t.links[t.links.length - 1]; },
  };
  return t;
}

test('presence options ride on sub, pushes reach onPresence, and a reconnect resends them and resets', async () => {
  const t = fakeTransport();
  const f = new Ferry('ws://x/v1/ws', { transports: [t], minDelay: 1, maxDelay: 2 });
  const diffs = [];
  const handler = () => {};
  const subscribed = f.subscribe('room.a', handler, { presence: { name: 'Ana' }, onPresence: (d) => diffs.push(d) });
  t.last.hooks.onopen();
  const sub = t.last.sent.find((s) => s.type === 'sub');
  assert.deepEqual({ ...sub, id: 0 }, { type: 'sub', id: 0, topic: 'room.a', presence: { name: 'Ana' }, presence_events: true });
  t.last.hooks.onmessage(JSON.stringify({ type: 'result', id: sub.id }));
  await subscribed;

  const entry = { conn: 'n-1', user: null, info: { name: 'Ana' }, joined: 5 };
  t.last.hooks.onmessage(JSON.stringify({ type: 'presence_diff', topic: 'room.a', joins: [entry], leaves: [] }));
  t.last.hooks.onmessage(JSON.stringify({ type: 'presence_diff', topic: 'room.other', joins: [entry], leaves: [] }));
  assert.deepEqual(diffs, [{ topic: 'room.a', joins: [entry], leaves: [], reset: false }]);

  const query = f.presence('room.a', { limit: 2, cursor: 'n-0' });
  await new Promise((r) => setTimeout(r, 0));
  const q = t.last.sent.find((s) => s.type === 'presence');
  assert.deepEqual({ ...q, id: 0 }, { type: 'presence', id: 0, topic: 'room.a', cursor: 'n-0', limit: 2 });
  const page = { topic: 'room.a', count: 1, entries: [entry], next: null };
  t.last.hooks.onmessage(JSON.stringify({ type: 'result', id: q.id, data: page }));
  assert.deepEqual(await query, page);

  const dropped = t.last;
  dropped.hooks.onclose({ code: 1006, reason: '' });
  await until(() => t.last !== dropped, 'the client reconnects after its backoff');
  t.last.hooks.onopen();
  assert.deepEqual(diffs.at(-1), { topic: 'room.a', joins: [], leaves: [], reset: true });
  const again = t.last.sent.find((s) => s.type === 'sub');
  assert.equal(again.presence_events, true);
  assert.deepEqual(again.presence, { name: 'Ana' });

  const unsubscribed = f.unsubscribe('room.a', handler);
  assert.equal(t.last.sent.at(-1).type, 'unsub');
  f.close(); // rejects the unanswered unsub
  await unsubscribed.catch(() => {});
});

test('a durable topic restored by the session is subscribed again for its presence, without since', async () => {
  const t = fakeTransport();
  const f = new Ferry('ws://x/v1/ws', { transports: [t], minDelay: 1, maxDelay: 2 });
  const subscribed = f.subscribe('room.d', () => {}, { durable: true, presence: { n: 1 } });
  t.last.hooks.onopen();
  const session = t.last.sent.find((s) => s.type === 'session');
  t.last.hooks.onmessage(JSON.stringify({ type: 'result', id: session.id, data: { token: 'tok', resumed: false, reason: 'none', ttl: 300 } }));
  await new Promise((r) => setTimeout(r, 0));
  const sub = t.last.sent.find((s) => s.type === 'sub');
  assert.equal(sub.durable, true);
  t.last.hooks.onmessage(JSON.stringify({ type: 'result', id: sub.id, data: { topic: 'room.d', epoch: 'e', offset: 4 } }));
  await subscribed;
  t.last.hooks.onmessage('{"type":"msg","topic":"room.d","offset":5,"epoch":"e","data":1}');

  const dropped = t.last;
  dropped.hooks.onclose({ code: 1006, reason: '' });
  await until(() => t.last !== dropped, 'the client reconnects after its backoff');
  t.last.hooks.onopen();
  const resume = t.last.sent.find((s) => s.type === 'session');
  assert.equal(resume.token, 'tok');
  t.last.hooks.onmessage(JSON.stringify({ type: 'result', id: resume.id, data: {
    token: 'tok', resumed: true, ttl: 300, subscriptions: [{ topic: 'room.d', epoch: 'e', offset: 5, recovered: true }] } }));
  await new Promise((r) => setTimeout(r, 0));
  const again = t.last.sent.find((s) => s.type === 'sub');
  assert.equal(again.topic, 'room.d');
  assert.deepEqual(again.presence, { n: 1 });
  assert.equal(again.since, undefined);
  f.close();
});
