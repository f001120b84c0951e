import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MultiWebSocket, JSONWebSocket, RelativeWebSocket, resolveWebSocketUrl, Emitter } from '../../src/index.js';

/** A WebSocket stand-in that the test drives. */
class FakeSocket extends Emitter {
  constructor(url, protocols) {
    super();
    this.url = url;
    this.protocols = protocols;
    this.readyState = 0;
    this.sent = [];
    FakeSocket.last = this;
  }
  send(d) { this.sent.push(d); }
  close(code, reason) { this.readyState = 3; this.dispatchEvent({ type: 'close', code, reason, wasClean: true }); }
  open() { this.readyState = 1; this.dispatchEvent({ type: 'open' }); }
  receive(data) { this.dispatchEvent({ type: 'message', data }); }
}

test('resolveWebSocketUrl keeps ws URLs, converts http ones, resolves paths by the page scheme', () => {
  assert.equal(resolveWebSocketUrl('ws://h/x'), 'ws://h/x');
  assert.equal(resolveWebSocketUrl('https://h/x'), 'wss://h/x');
  assert.equal(resolveWebSocketUrl('/v1/ws', { href: 'https://example.com:8443/app/page' }), 'wss://example.com:8443/v1/ws');
  assert.equal(resolveWebSocketUrl('sock', { href: 'http://example.com/app/page' }), 'ws://example.com/app/sock');
  const ws = new RelativeWebSocket('/t', undefined, { WebSocket: FakeSocket, location: { href: 'http://h:1/' } });
  assert.ok(ws instanceof FakeSocket);
  assert.equal(ws.url, 'ws://h:1/t');
});

const tick = () => new Promise((r) => setTimeout(r, 0));

test('MultiWebSocket channels behave like WebSockets', async () => {
  const m = new MultiWebSocket('ws://h/v1/multiplex', { WebSocket: FakeSocket });
  const raw = FakeSocket.last;
  const a = m.WebSocket('chat.a');
  const events = [];
  a.onopen = () => events.push('open');
  a.addEventListener('message', (e) => events.push('msg:' + e.data));
  a.onclose = (e) => events.push(`close:${e.code}:${e.wasClean}`);
  assert.equal(a.readyState, a.CONNECTING);
  assert.throws(() => a.send('too early'), { name: 'InvalidStateError' });
  raw.open();
  assert.deepEqual(raw.sent, ['sub,chat.a']);
  assert.equal(a.readyState, a.CONNECTING, 'open once the server answers the sub');
  raw.receive('sub,chat.a');
  assert.equal(a.readyState, a.OPEN);
  a.send('hello, you');
  assert.equal(raw.sent.at(-1), 'msg,chat.a,hello, you');
  assert.equal(raw.url, 'ws://h/v1/multiplex?binary', 'the socket asks for the binary extension');
  a.send(new Uint8Array([1, 2]));
  assert.deepEqual([...raw.sent.at(-1)], [...new TextEncoder().encode('msg,chat.a,'), 1, 2]);
  const bin = [];
  a.addEventListener('message', (e) => { if (typeof e.data !== 'string') bin.push(e.data); });
  raw.receive(new Uint8Array([...new TextEncoder().encode('msg,chat.a,'), 9, 44]).buffer);
  assert.equal(bin.length, 1);
  assert.ok(bin[0] instanceof Blob, 'binaryType blob by default');
  assert.deepEqual([...new Uint8Array(await bin[0].arrayBuffer())], [9, 44]);
  events.pop();
  raw.receive('msg,chat.a,x,y');
  raw.receive('msg,other,z');
  assert.throws(() => a.close(1001), { name: 'InvalidAccessError' });
  assert.throws(() => a.close(1000, 'x'.repeat(124)), { name: 'SyntaxError' });
  a.close(4000, 'bye');
  assert.equal(a.readyState, a.CLOSING);
  assert.equal(raw.sent.at(-1), 'uns,chat.a');
  a.send('after close');
  assert.equal(a.bufferedAmount, 11);
  await tick();
  assert.equal(a.readyState, a.CLOSED);
  assert.deepEqual(events, ['open', 'msg:x,y', 'close:4000:true']);
  assert.equal(a.binaryType, 'blob');
  a.binaryType = 'nonsense';
  assert.equal(a.binaryType, 'blob');
  a.binaryType = 'arraybuffer';
  assert.equal(a.binaryType, 'arraybuffer');

  const c = m.WebSocket('chat.c');
  raw.receive('sub,chat.c');
  raw.close(1001, 'going away');
  assert.equal(c.readyState, 3);
});

test('MultiWebSocket refusals look like a per-topic socket\'s: a failed upgrade, or its close code', async () => {
  const m = new MultiWebSocket('ws://h/v1/multiplex', { WebSocket: FakeSocket });
  const raw = FakeSocket.last;
  raw.open();
  const b = m.WebSocket('bad..name');
  const seen = [];
  b.onerror = (e) => seen.push('error:' + e.detail.code);
  b.onclose = (e) => seen.push(`close:${e.code}:${e.wasClean}`);
  raw.receive('err,bad..name,{"code":"bad_topic","message":"no"}');
  raw.receive('uns,bad..name');
  assert.deepEqual(seen, ['error:bad_topic', 'close:1006:false']);

  const p = m.WebSocket('news.*');
  raw.receive('sub,news.*');
  const closes = [];
  p.onerror = () => closes.push('error');
  p.onclose = (e) => closes.push(`${e.code} ${e.reason}`);
  p.send('x');
  raw.receive('err,news.*,{"code":"bad_topic","message":"a pattern"}');
  raw.receive('uns,news.*');
  assert.deepEqual(closes, ['4004 subscribe-only: news.* is a pattern']);

  const f = m.WebSocket('news.x');
  raw.receive('sub,news.x');
  f.onclose = (e) => closes.push(`${e.code} ${e.reason}`);
  raw.receive('err,news.x,{"code":"forbidden","message":"no"}');
  assert.deepEqual(closes.at(-1), '4006 forbidden: publish on news.x');

  // a subscribe hook's refusal: a per-topic socket opens, then closes at once with 4006 (1013 without an answer)
  for (const [code, expected] of [['subscribe_refused', '4006 subscribe_refused: members only'],
    ['hook_unavailable', '1013 hook_unavailable: members only']]) {
    const h = m.WebSocket('room.staff');
    const events = [];
    h.onopen = () => events.push('open');
    h.onerror = () => events.push('error');
    h.onclose = (e) => events.push(`${e.code} ${e.reason} ${e.wasClean}`);
    raw.receive(`err,room.staff,{"code":"${code}","message":"members only"}`);
    raw.receive('uns,room.staff');
    assert.deepEqual(events, ['open', expected + ' true']);
  }
  const long = m.WebSocket('room.long');
  let reason;
  long.onclose = (e) => { reason = e.reason; };
  raw.receive(`err,room.long,{"code":"subscribe_refused","message":"${'€'.repeat(60)}"}`);
  assert.ok(new TextEncoder().encode(reason).length <= 123 && reason.endsWith('€...'), reason);
});

test('MultiWebSocket takes per-topic socket URLs, absolute or relative, as `new WebSocket` does', async () => {
  const m = new MultiWebSocket('ws://h:1/app/v1/multiplex', { WebSocket: FakeSocket, location: { href: 'http://h:1/app/page' } });
  const raw = FakeSocket.last;
  raw.open();
  const abs = m.WebSocket('ws://h:1/app/v1/topics/chat/caf%C3%A9');
  const rel = new m.WebSocket('v1/topics/chat/%23');
  const twin = m.WebSocket('/app/v1/topics/chat/caf%C3%A9');
  assert.equal(abs.url, 'ws://h:1/app/v1/topics/chat/caf%C3%A9');
  assert.equal(rel.url, 'ws://h:1/app/v1/topics/chat/%23');
  assert.deepEqual(raw.sent, ['sub,chat.caf%E9', 'sub,chat.%23'], 'names escaped as websocket-multiplex does; one channel per URL');
  raw.receive('sub,chat.caf%E9');
  await tick();
  assert.equal(abs.readyState, 1);
  assert.equal(twin.readyState, 1);
  const got = [];
  abs.onmessage = (e) => got.push('abs:' + e.data);
  twin.onmessage = (e) => got.push('twin:' + e.data);
  raw.receive('msg,chat.caf%E9,hi');
  assert.deepEqual(got, ['abs:hi', 'twin:hi']);
  twin.close();
  assert.equal(raw.sent.at(-1), 'sub,chat.%23', 'the channel stays while another socket uses it');
  abs.close();
  assert.equal(raw.sent.at(-1), 'uns,chat.caf%E9');

  const empty = m.WebSocket('/app/v1/topics/a//b');
  const seen = [];
  empty.onerror = () => seen.push('error');
  empty.onclose = (e) => seen.push(e.code);
  await tick();
  assert.deepEqual(seen, ['error', 1006]);
  assert.throws(() => m.WebSocket('ws://other:1/app/v1/topics/a'), { name: 'SyntaxError' });
  assert.throws(() => m.WebSocket('/app/v1/ws'), { name: 'SyntaxError' });
});

test('JSONWebSocket encodes and decodes, passing non-JSON text through', () => {
  const j = new JSONWebSocket('ws://h/t', undefined, { WebSocket: FakeSocket });
  const raw = FakeSocket.last;
  const got = [];
  j.onmessage = (e) => got.push(e.data);
  raw.open();
  j.send({ a: [1] });
  assert.equal(raw.sent[0], '{"a":[1]}');
  raw.receive('{"b":2}');
  raw.receive('plain words');
  assert.deepEqual(got, [{ b: 2 }, 'plain words']);
});
