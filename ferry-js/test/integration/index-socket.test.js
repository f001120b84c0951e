// The index socket (/v1/index/<a>/<b>, docs/web.md "Index socket") from Node's `ws`, written from the docs alone:
// the index first, then change messages that, applied as the docs say, give what GET /v1/topics answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { Ferry } from '../../src/index.js';
import { httpUrl, inbox, needsServer, wsBase } from '../helpers.js';

test('an index socket sends the index, then changes that keep a copy equal to GET /v1/topics', needsServer, async () => {
  const prefix = `jsindex.${Math.random().toString(36).slice(2, 8)}`;
  const socket = new WebSocket(`${wsBase}/v1/index/${prefix.replace('.', '/')}`);
  const box = inbox();
  socket.on('message', (data) => box.push(JSON.parse(String(data))));
  const first = await box.next();
  assert.equal(first.type, 'index');
  assert.equal(first.prefix, prefix);
  assert.deepEqual(first.children, []);
  const copy = { total: first.total, children: new Map() };
  const apply = (m) => {
    copy.total = m.total;
    for (const c of m.changed) copy.children.set(c.word, c);
    for (const w of m.removed) copy.children.delete(w);
  };

  const ferry = new Ferry(`${wsBase}/v1/ws`, { WebSocket });
  const a = await ferry.subscribe(`${prefix}.a`, () => {});
  await ferry.subscribe(`${prefix}.b.#`, () => {});
  while (copy.total < 2) {
    const m = await box.next();
    assert.equal(m.type, 'change');
    apply(m);
  }
  const http = await (await fetch(`${httpUrl}/v1/topics?prefix=${prefix}`)).json();
  assert.deepEqual([...copy.children.values()], http.children);
  assert.deepEqual([...copy.children.keys()], ['a', 'b']);

  await a.unsubscribe();
  while (copy.children.has('a')) apply(await box.next());
  assert.equal(copy.total, 1);

  const closed = new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  socket.send('hello');
  const { code, reason } = await closed;
  assert.equal(code, 4004);
  assert.match(reason, /^receive-only/);
  ferry.close();
});
