// Server-sent events with the `eventsource` npm package (a WHATWG EventSource for Node), following docs/web.md:
// delivery of publications, Last-Event-ID resume after a forced disconnect with no gap and no duplicate, and a
// refused request closing the EventSource.

import { EventSource } from 'eventsource';
import { FerryClient, RUN, WAIT_MS, check, checkEqual, ensure, scenario } from './lib.js';

/**
 * A fetch for EventSource whose current connection can be cut as a network failure would (not an abort, which
 * EventSource treats as final): the body errors and the socket is dropped, so EventSource reconnects by itself.
 */
function killableFetch() {
  let kill = null;
  const f = async (url, init) => {
    const inner = new AbortController();
    init.signal?.addEventListener('abort', () => inner.abort());
    const res = await fetch(url, { ...init, signal: inner.signal });
    if (!res.body) {
      return res;
    }
    const reader = res.body.getReader();
    let fail;
    const body = new ReadableStream({
      start(c) {
        fail = (e) => c.error(e);
      },
      async pull(c) {
        try {
          const { done, value } = await reader.read();
          if (done) c.close(); else c.enqueue(value);
        } catch (e) {
          try { c.error(e); } catch { /* already failed */ }
        }
      },
      cancel() {
        inner.abort();
      },
    });
    kill = () => {
      fail(new TypeError('forced disconnect'));
      inner.abort();
    };
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
  return { fetch: f, kill: () => kill && kill() };
}

/** Queues the events of the given types, so that a check can wait for the next one. */
function collect(es, types) {
  const queue = [];
  const waiters = [];
  const push = (item) => {
    const w = waiters.shift();
    if (w) w(item); else queue.push(item);
  };
  for (const t of types) {
    es.addEventListener(t, (e) => push({ type: t, data: e.data, lastEventId: e.lastEventId }));
  }
  return (what, ms = WAIT_MS) => {
    if (queue.length) return Promise.resolve(queue.shift());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
      waiters.push((item) => {
        clearTimeout(timer);
        resolve(item);
      });
    });
  };
}

scenario('eventsource', async ({ ws: wsUrl, http, track }) => {
  const pub = track(await FerryClient.open(wsUrl, undefined, 'publisher'));
  let id = 0;
  const publish = async (topic, data) => {
    id += 1;
    await pub.request({ type: 'pub', id, ack: true, topic, data }, `pub ${topic}`);
  };
  const topic = `es.${RUN}.a`;
  const killable = killableFetch();
  const es = new EventSource(`${http}/v1/sse?topic=${encodeURIComponent(`es.${RUN}.*`)}`, { fetch: killable.fetch });
  track({ terminate: () => es.close() });
  let errors = 0;
  es.addEventListener('error', () => { errors += 1; });
  const next = collect(es, ['message', 'ready', 'reset']);

  const ready = await next('ready');
  checkEqual(ready.type, 'ready', 'the stream starts with a ready event');
  for (let i = 1; i <= 5; i++) {
    await publish(topic, { i });
  }
  let lastId = '';
  for (let i = 1; i <= 5; i++) {
    const e = await next(`message ${i}`);
    ensure(e.type === 'message', `message ${i} is a message event`, JSON.stringify(e));
    const m = JSON.parse(e.data);
    checkEqual([m.topic, m.offset, m.data], [topic, i, { i }], `message ${i}: {topic, offset, data}`);
    check(e.lastEventId.startsWith(`${topic}=${i}@${m.epoch}`), `message ${i}: id ${e.lastEventId} holds the topic's position`);
    lastId = e.lastEventId;
  }

  killable.kill();
  // published while the stream is down: the reconnect (after EventSource's retry delay) must bring them
  for (let i = 6; i <= 8; i++) {
    await publish(topic, { i });
  }
  const again = await next('ready after the reconnect', 6000);
  checkEqual(again.type, 'ready', 'EventSource reconnected by itself and the stream is ready again');
  check(errors >= 1, 'EventSource reported the disconnect as an error before reconnecting');
  const positions = JSON.parse(again.data).positions;
  checkEqual(positions.map((p) => [p.topic, p.recovered]), [[topic, true]],
    `Last-Event-ID ${lastId} was sent and recovered the topic`);
  for (let i = 6; i <= 8; i++) {
    const e = await next(`message ${i} after the reconnect`);
    const m = JSON.parse(e.data);
    checkEqual([e.type, m.offset, m.data], ['message', i, { i }], `message ${i} arrives once, after the reconnect`);
  }
  await publish(topic, { i: 9 });
  const live = JSON.parse((await next('message 9')).data);
  checkEqual(live.offset, 9, 'live delivery carries on with no gap and no duplicate');
  es.close();

  const refused = new EventSource(`${http}/v1/sse`);
  await new Promise((resolve) => refused.addEventListener('error', resolve, { once: true }));
  checkEqual(refused.readyState, EventSource.CLOSED, 'a request without topic is refused (400) and the EventSource closes');
  refused.close();
});
