import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ferry, FerryError, backoffDelay, encodeFrame, decodeMessage } from '../../src/index.js';
import { until } from '../helpers.js';

/** A transport under the test's control: records what the client sends, lets the test open, answer and close. */
function fakeTransport() {
  const t = {
    name: 'fake',
    links: [],
    open(url, hooks) {
      const link = { url, hooks, sent: [], closed: null };
      link.send = (d) => link.sent.push(typeof d === 'string' ? JSON.parse(d) : d);
      link.close = (code, reason) => { link.closed = { code, reason }; };
      t.links.push(link);
      return link;
    },
    get last() { return t.links[t.links.length - 1]; },
  };
  return t;
}

const tick = () => new Promise((r) => setTimeout(r, 0));

test('backoff grows, is capped, and is jittered', () => {
  const lo = { random: () => 0 };
  const hi = { random: () => 0.999999 };
  assert.equal(backoffDelay(0, lo), 125);
  assert.equal(backoffDelay(0, hi), 250);
  assert.equal(backoffDelay(3, lo), 1000);
  assert.equal(backoffDelay(20, hi), 10000);
  assert.equal(backoffDelay(20, lo), 5000);
});

test('frames: text batches, binary header + LF + payload', () => {
  assert.equal(encodeFrame({ type: 'pub', topic: 'a', data: { x: 1 } }, 'data'), '{"type":"pub","topic":"a","data":{"x":1}}');
  const bin = encodeFrame({ type: 'pub', topic: 'a', data: new Uint8Array([1, 10, 2]) }, 'data');
  assert.deepEqual([...bin.slice(-4)], [10, 1, 10, 2]);
  const frames = decodeMessage('{"type":"pong","id":1}\n{"type":"pong","id":2}\n');
  assert.deepEqual(frames.map((f) => f.id), [1, 2]);
  const msg = decodeMessage(new TextEncoder().encode('{"type":"msg","topic":"a","offset":1}\nxy'));
  assert.deepEqual([...msg[0].data], [120, 121]);
});

test('subscribe, dispatch to every matching pattern, re-subscribe and re-register after a reconnect', async () => {
  const t = fakeTransport();
  const states = [];
  const f = new Ferry('ws://x/v1/ws', { transports: [t], minDelay: 1, maxDelay: 2 });
  f.on('state', (e) => states.push(e.state));
  const got = [];
  const subscribed = f.subscribe('a.*', (d, m) => got.push(['a.*', d, m.topic]));
  const subscribed2 = f.subscribe('a.b', (d) => got.push(['a.b', d]));
  const registered = f.register('p', (args) => args.n + 1);
  t.last.hooks.onopen();
  const subs = t.last.sent.filter((s) => s.type === 'sub');
  assert.deepEqual(subs.map((s) => s.topic), ['a.*', 'a.b']);
  const reg = t.last.sent.find((s) => s.type === 'register');
  for (const s of [...subs, reg]) t.last.hooks.onmessage(JSON.stringify({ type: 'result', id: s.id }));
  await subscribed;
  await subscribed2;
  await registered;
  t.last.hooks.onmessage('{"type":"msg","topic":"a.b","offset":7,"data":"hi"}');
  assert.deepEqual(got, [['a.*', 'hi', 'a.b'], ['a.b', 'hi']]);
  assert.equal(f.lastOffset('a.b'), 7);

  t.last.hooks.onmessage('{"type":"invoke","id":41,"proc":"p","args":{"n":1}}');
  await tick();
  await tick();
  assert.deepEqual(t.last.sent.at(-1), { type: 'reply', id: 41, data: 2 });

  const first = t.last;
  const pendingCall = f.call('q', [1]);
  await tick();
  first.hooks.onclose({ code: 1006, reason: '' });
  await assert.rejects(pendingCall, (e) => e instanceof FerryError && e.code === 'disconnected');
  assert.equal(f.state, 'disconnected');
  await until(() => t.last !== first, 'the client reconnects after its backoff');
  t.last.hooks.onopen();
  assert.deepEqual(t.last.sent.filter((s) => s.type === 'sub').map((s) => s.topic), ['a.*', 'a.b']);
  assert.ok(t.last.sent.some((s) => s.type === 'register' && s.proc === 'p'));
  assert.deepEqual(states, ['connecting', 'connected', 'disconnected', 'connecting', 'connected']);
  f.close();
  assert.equal(t.last.closed.code, 1000);
});

test('errors reject with their code; a refused subscription is forgotten', async () => {
  const t = fakeTransport();
  const f = new Ferry('ws://x/v1/ws', { transports: [t] });
  await tick();
  t.last.hooks.onopen();
  const bad = f.subscribe('a..b', () => {});
  const sub = t.last.sent.at(-1);
  t.last.hooks.onmessage(JSON.stringify({ type: 'error', id: sub.id, code: 'bad_topic', message: 'nope' }));
  await assert.rejects(bad, (e) => e.code === 'bad_topic' && e.message === 'nope');
  const call = f.call('p', null, { timeout: 5 });
  await tick();
  const c = t.last.sent.at(-1);
  assert.equal(c.timeout, 5);
  t.last.hooks.onmessage(JSON.stringify({ type: 'error', id: c.id, code: 'callee_error', message: 'boom', data: { code: 'x' } }));
  await assert.rejects(call, (e) => e.code === 'callee_error' && e.data.code === 'x');
  f.close();
  await assert.rejects(f.publish('a', 1), (e) => e.code === 'closed');
});

test('a transport that cannot open hands over to the next one', async () => {
  const broken = fakeTransport();
  const working = fakeTransport();
  const f = new Ferry('ws://x/v1/ws', { transports: [broken, working] });
  await tick();
  broken.last.hooks.onclose({ code: 1006, reason: 'blocked' });
  assert.equal(working.links.length, 1);
  working.last.hooks.onopen();
  await f.connect();
  assert.equal(f.transport, 'fake');
  f.close();
});

test('durable subscriptions: the session is resumed first, restored patterns are not subscribed again, replays are de-duplicated', async () => {
  const t = fakeTransport();
  const f = new Ferry('ws://x/v1/ws', { transports: [t], minDelay: 1, maxDelay: 2 });
  const got = [];
  const durable = f.subscribe('d.a', (d, m) => got.push(`${m.topic}:${m.offset}`), { durable: true });
  const plain = f.subscribe('p.*', (d, m) => got.push(`${m.topic}:${m.offset}`));
  t.last.hooks.onopen();
  const session = t.last.sent.find((s) => s.type === 'session');
  assert.equal(session.token, undefined);
  assert.equal(t.last.sent.filter((s) => s.type === 'sub').length, 0, 'subscriptions wait for the session');
  t.last.hooks.onmessage(JSON.stringify({ type: 'result', id: session.id, data: { token: 'tok-1', resumed: false, reason: 'none', ttl: 300 } }));
  await tick();
  assert.equal(f.sessionToken, 'tok-1');
  const subs = t.last.sent.filter((s) => s.type === 'sub');
  assert.deepEqual(subs.map((s) => [s.topic, s.durable === true]), [['d.a', true], ['p.*', false]]);
  for (const s of subs) t.last.hooks.onmessage(JSON.stringify({ type: 'result', id: s.id }));
  await durable;
  await plain;
  t.last.hooks.onmessage('{"type":"msg","topic":"d.a","offset":1,"epoch":"e","data":1}');

  const dropped = t.last;
  dropped.hooks.onclose({ code: 1006, reason: '' });
  await until(() => t.last !== dropped, 'the client reconnects after its backoff');
  t.last.hooks.onopen();
  const resume = t.last.sent.find((s) => s.type === 'session');
  assert.equal(resume.token, 'tok-1');
  // the replay comes before the result; a publication seen already is skipped
  t.last.hooks.onmessage('{"type":"msg","topic":"d.a","offset":1,"epoch":"e","data":1}');
  t.last.hooks.onmessage('{"type":"msg","topic":"d.a","offset":2,"epoch":"e","data":2}');
  t.last.hooks.onmessage(JSON.stringify({ type: 'result', id: resume.id, data: { token: 'tok-1', resumed: true, ttl: 300,
    subscriptions: [{ topic: 'd.a', epoch: 'e', offset: 2, recovered: true }] } }));
  await tick();
  assert.deepEqual(t.last.sent.filter((s) => s.type === 'sub').map((s) => s.topic), ['p.*']);
  assert.deepEqual(got, ['d.a:1', 'd.a:2']);
  f.close();
});

test('an acknowledged publication carries a pub_id, resolves with its epoch, and is retried with the same id', async () => {
  const t = fakeTransport();
  const f = new Ferry('ws://x/v1/ws', { transports: [t], minDelay: 1, maxDelay: 2 });
  const ready = f.connect();
  await tick();
  t.last.hooks.onopen();
  await ready;
  const published = f.publish('a.b', 1, { ack: true });
  await tick();
  const first = t.last.sent.find((s) => s.type === 'pub');
  assert.match(first.pub_id, /^[0-9a-f]{32}$/);
  assert.equal(first.ack, true);
  t.last.hooks.onmessage(JSON.stringify({ type: 'error', id: first.id, code: 'outcome_unknown', message: 'no answer' }));
  // sent again after a delay, with the same id, until answered
  await until(() => t.last.sent.filter((s) => s.type === 'pub').length > 1, 'the publication is sent again');
  const again = t.last.sent.filter((s) => s.type === 'pub')[1];
  assert.equal(again.pub_id, first.pub_id);
  t.last.hooks.onmessage(JSON.stringify({ type: 'result', id: again.id, data: { topic: 'a.b', epoch: 'e1', offset: 7 } }));
  assert.deepEqual(await published, { topic: 'a.b', epoch: 'e1', offset: 7 });

  const refused = f.publish('a.b', 2, { ack: true, pubId: 'mine-1' });
  await tick();
  const third = t.last.sent.filter((s) => s.type === 'pub')[2];
  assert.equal(third.pub_id, 'mine-1');
  t.last.hooks.onmessage(JSON.stringify({ type: 'error', id: third.id, code: 'forbidden', message: 'no' }));
  await assert.rejects(refused, (e) => e instanceof FerryError && e.code === 'forbidden');
  f.close();
});

test('a session answered unavailable is asked for again with the same token, not given up', async () => {
  const t = fakeTransport();
  const f = new Ferry('ws://x/v1/ws', { transports: [t], minDelay: 1, maxDelay: 2 });
  const durable = f.subscribe('d.a', () => {}, { durable: true });
  t.last.hooks.onopen();
  const first = t.last.sent.find((s) => s.type === 'session');
  t.last.hooks.onmessage(JSON.stringify({ type: 'result', id: first.id, data: { token: 'tok-1', resumed: false, reason: 'none', ttl: 300 } }));
  await tick();
  const sub = t.last.sent.find((s) => s.type === 'sub');
  t.last.hooks.onmessage(JSON.stringify({ type: 'result', id: sub.id }));
  await durable;

  const dropped = t.last;
  dropped.hooks.onclose({ code: 1006, reason: '' });
  await until(() => t.last !== dropped, 'the client reconnects after its backoff');
  t.last.hooks.onopen();
  const lookup = t.last.sent.find((s) => s.type === 'session');
  assert.equal(lookup.token, 'tok-1');
  t.last.hooks.onmessage(JSON.stringify({ type: 'error', id: lookup.id, code: 'unavailable', message: 'store unreachable' }));
  await until(() => t.last.sent.filter((s) => s.type === 'session').length > 1, 'the session is asked for again');
  const again = t.last.sent.filter((s) => s.type === 'session')[1];
  assert.equal(again.token, 'tok-1');
  assert.equal(f.sessionToken, 'tok-1');
  assert.equal(t.last.sent.filter((s) => s.type === 'sub').length, 0, 'nothing subscribed while the session may come back');
  t.last.hooks.onmessage(JSON.stringify({ type: 'result', id: again.id, data: { token: 'tok-1', resumed: true, ttl: 300,
    subscriptions: [{ topic: 'd.a', epoch: 'e', offset: 2, recovered: true }] } }));
  await tick();
  assert.equal(t.last.sent.filter((s) => s.type === 'sub').length, 0, 'the restored pattern is not subscribed again');
  f.close();
});

test('server-side subscriptions: server_sub, their publications as server_msg, server_unsub, forgotten at a close', async () => {
  const t = fakeTransport();
  const f = new Ferry('ws://x/v1/ws', { transports: [t], minDelay: 1, maxDelay: 2 });
  const events = [];
  f.on('server_sub', (e) => events.push(['sub', e.topic]));
  f.on('server_unsub', (e) => events.push(['unsub', e.topic]));
  f.on('server_msg', (e) => events.push(['msg', e.topic, e.data, e.pattern]));
  await until(() => t.links.length === 1);
  t.last.hooks.onopen();
  t.last.hooks.onmessage('{"type":"server_sub","topic":"news.#"}');
  t.last.hooks.onmessage('{"type":"msg","topic":"news.eu","offset":1,"epoch":"e","data":{"h":1}}');
  t.last.hooks.onmessage('{"type":"msg","topic":"other.x","offset":1,"epoch":"e","data":2}');
  t.last.hooks.onmessage('{"type":"server_unsub","topic":"news.#"}');
  t.last.hooks.onmessage('{"type":"msg","topic":"news.eu","offset":2,"epoch":"e","data":3}');
  t.last.hooks.onmessage('{"type":"server_sub","topic":"a.b"}');
  t.last.hooks.onclose({ code: 1006, reason: '' });
  await until(() => t.links.length === 2);
  t.last.hooks.onopen();
  t.last.hooks.onmessage('{"type":"msg","topic":"a.b","offset":1,"epoch":"e","data":4}');
  assert.deepEqual(events, [['sub', 'news.#'], ['msg', 'news.eu', { h: 1 }, 'news.#'], ['unsub', 'news.#'], ['sub', 'a.b']]);
  f.close();
});
