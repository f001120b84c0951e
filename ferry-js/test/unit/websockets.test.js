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

test('MultiWebSocket channels behave like WebSockets', async () => {
  const m = new MultiWebSocket('ws://h/v1/multiplex', { WebSocket: FakeSocket });
  const raw = FakeSocket.last;
  const a = m.WebSocket('chat.a');
  const events = [];
  a.onopen = () => events.push('open');
  a.addEventListener('message', (e) => events.push('msg:' + e.data));
  a.onclose = (e) => events.push('close:' + e.code);
  assert.equal(a.readyState, a.CONNECTING);
  raw.open();
  assert.deepEqual(raw.sent, ['sub,chat.a']);
  assert.equal(a.readyState, 1);
  a.send('hello, you');
  assert.equal(raw.sent.at(-1), 'msg,chat.a,hello, you');
  raw.receive('msg,chat.a,x,y');
  raw.receive('msg,other,z');
  const b = m.WebSocket('bad..name');
  const errors = [];
  b.onerror = (e) => errors.push(e.detail.code);
  b.onclose = (e) => errors.push('close:' + e.code);
  await new Promise((r) => setTimeout(r, 0));
  raw.receive('err,bad..name,{"code":"bad_topic","message":"no"}');
  raw.receive('uns,bad..name');
  assert.deepEqual(errors, ['bad_topic', 'close:1008']);
  a.close();
  assert.equal(raw.sent.at(-1), 'uns,chat.a');
  assert.deepEqual(events, ['open', 'msg:x,y', 'close:1000']);
  const c = m.WebSocket('chat.c');
  await new Promise((r) => setTimeout(r, 0));
  raw.close(1001, 'going away');
  assert.equal(c.readyState, 3);
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
