// Publish/subscribe with wildcard patterns (protocol.md §3, §4 sub/pub, §5 msg).

import { FerryClient, QUIET_MS, RUN, ackEpoch, check, checkEqual, ensure, scenario, show } from './lib.js';

scenario('pubsub', async ({ ws: url, track }) => {
  const sub = track(await FerryClient.open(url, undefined, 'subscriber'));
  const pub = track(await FerryClient.open(url, undefined, 'publisher'));

  for (const [id, pattern] of [[1, 'sensors.*.temp'], [2, 'logs.#']]) {
    const reply = await sub.request({ type: 'sub', id, topic: pattern }, `sub ${pattern}`);
    checkEqual(reply, { type: 'result', id, data: { topic: pattern } }, `sub ${pattern} -> result {topic}`);
  }

  // Topics unique to this run start at offset 1; "logs" itself is shared, so its offset is taken from the ack.
  const berlin = `sensors.${RUN}.temp`;
  const paris = `sensors.${RUN}p.temp`;
  const publications = [
    { topic: berlin, data: { c: 21.5, unit: 'C', tags: ['a', 'b'], ok: true, none: null }, match: true },
    { topic: berlin, data: [1, 'two', { three: 3 }], match: true },
    { topic: `sensors.${RUN}.humidity`, data: 40, match: false, why: '* is one word, last word differs' },
    { topic: berlin, data: 'line one\nline two \u00e9\u4e2d\ud83d\ude00', match: true },
    { topic: `sensors.${RUN}.x.temp`, data: 1, match: false, why: '* matches exactly one word, not two' },
    { topic: 'sensors.temp', data: 2, match: false, why: '* does not match zero words' },
    { topic: paris, data: -0.25, match: true },
    { topic: 'logs', data: { level: 'info', msg: '# matches zero words' }, match: true },
    { topic: `logs.${RUN}`, data: false, match: true },
    { topic: `logs.${RUN}.a.b`, data: null, match: true },
    { topic: `logsx.${RUN}`, data: 3, match: false, why: 'words are whole: logsx is not logs' },
    { topic: `audit.logs.${RUN}`, data: 4, match: false, why: 'patterns are anchored at the first word' },
    { topic: `Sensors.${RUN}.temp`, data: 5, match: false, why: 'words are case-sensitive' },
    { topic: berlin, data: {}, match: true },
  ];

  const lastOffset = new Map();
  let id = 100;
  for (const p of publications) {
    id += 1;
    const reply = await pub.request({ type: 'pub', id, ack: true, topic: p.topic, data: p.data }, `pub ${p.topic}`);
    const prev = lastOffset.get(p.topic);
    // Fresh topics start at 1; the shared ones ("logs", "sensors.temp") continue from wherever they are.
    const shared = p.topic === 'logs' || p.topic === 'sensors.temp';
    const offset = prev !== undefined ? prev + 1 : shared ? reply.data && reply.data.offset : 1;
    ensure(Number.isInteger(offset) && offset >= 1, `pub ${p.topic}: ack carries an integer offset`, `got ${show(reply)}`);
    checkEqual(reply, { type: 'result', id, data: { topic: p.topic, epoch: ackEpoch(reply, `pub ${p.topic}`), offset } },
      `pub ${p.topic} with ack -> result {topic, epoch, offset ${offset}}${prev !== undefined ? ' (previous + 1)' : ''}`);
    lastOffset.set(p.topic, reply.data.offset);
    p.offset = reply.data.offset;
  }
  await pub.checkQuiet('the publisher (not subscribed) receives no msg frames');

  // Each matching publication arrives exactly once; per topic in offset order. Order across topics is not
  // specified, so compare per topic.
  const expected = publications.filter((p) => p.match);
  const received = [];
  while (received.length < expected.length) {
    const m = await sub.nextFrame(`msg ${received.length + 1} of ${expected.length}`);
    received.push(m);
  }
  await sub.checkQuiet(`no further msg within ${QUIET_MS} ms (non-matching topics are not delivered)`);

  const byTopic = (list, f) => {
    const m = new Map();
    for (const x of list) {
      const t = f(x);
      m.set(t, [...(m.get(t) || []), x]);
    }
    return m;
  };
  const want = byTopic(expected, (p) => p.topic);
  const got = byTopic(received, (m) => m.topic);
  checkEqual([...got.keys()].sort(), [...want.keys()].sort(), 'msg frames arrived exactly for the matching topics');
  for (const [topic, ps] of want) {
    const ms = got.get(topic);
    checkEqual(ms, ps.map((p) => ({ type: 'msg', topic, offset: p.offset, data: p.data })),
      `${topic}: ${ps.length} msg frame(s) with topic, offsets ${ps.map((p) => p.offset).join(',')} and equal data`);
    for (let i = 1; i < ms.length; i++) {
      check(ms[i].offset === ms[i - 1].offset + 1, `${topic}: msg offset ${ms[i].offset} follows ${ms[i - 1].offset} by 1`);
    }
  }
  for (const p of publications.filter((x) => !x.match)) {
    check(!got.has(p.topic), `${p.topic} not delivered (${p.why})`);
  }

  // A pub without ack gets no reply, and still reaches the subscriber.
  await pub.send({ type: 'pub', topic: berlin, data: 'no ack' });
  const m = await sub.nextFrame('msg for a pub without ack');
  checkEqual(m, { type: 'msg', topic: berlin, offset: lastOffset.get(berlin) + 1, data: 'no ack' },
    'pub without ack is delivered with the next offset');
  await pub.checkQuiet('pub without ack gets no reply');

  // After unsub, the pattern no longer delivers.
  checkEqual(await sub.request({ type: 'unsub', id: 3, topic: 'sensors.*.temp' }, 'unsub'),
    { type: 'result', id: 3, data: { topic: 'sensors.*.temp' } }, 'unsub sensors.*.temp -> result {topic}');
  const afterUnsub = await pub.request({ type: 'pub', id: 200, ack: true, topic: berlin, data: 'after unsub' }, 'pub after unsub');
  checkEqual(afterUnsub,
    { type: 'result', id: 200, data: { topic: berlin, epoch: ackEpoch(afterUnsub, 'pub after unsub'), offset: lastOffset.get(berlin) + 2 } },
    'pub after unsub is acked');
  await sub.checkQuiet('after unsub, sensors.*.temp publications are no longer delivered');

  sub.close();
  pub.close();
});
