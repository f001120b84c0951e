// The HTTP-only session (docs/web.md) as a ferry-js transport, and resuming from history after a reconnect.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { EventSource } from 'eventsource';
import { Ferry, httpTransport, webSocketTransport } from '../../src/index.js';
import { wsBase, needsServer, inbox } from '../helpers.js';

const clients = [];
function client(options = {}) {
  const f = new Ferry(wsBase + '/v1/ws', { WebSocket, EventSource, ...options });
  clients.push(f);
  return f;
}
after(() => clients.forEach((c) => c.close()));

/** A WebSocket that a hostile network refuses: it closes before it opens. */
class BlockedWebSocket {
  constructor() {
    setTimeout(() => this.onclose && this.onclose({ code: 1006, reason: 'blocked' }), 0);
  }

  send() {}

  close() {}
}

test('the client falls back to the HTTP-only session when WebSockets are blocked', needsServer, async () => {
  const http = client({ transports: [webSocketTransport(BlockedWebSocket), httpTransport({ EventSource })] });
  const ws = client();
  const box = inbox();
  await http.subscribe('fb.pub.*', (data, m) => box.push([data, m.topic]));
  assert.equal(http.transport, 'http');
  await ws.publish('fb.pub.x', { via: 'websocket' }, { ack: true });
  assert.deepEqual(await box.next(), [{ via: 'websocket' }, 'fb.pub.x']);
  const ack = await http.publish('fb.pub.y', 'from http', { ack: true });
  assert.equal(ack.topic, 'fb.pub.y');
  assert.deepEqual(await box.next(), ['from http', 'fb.pub.y']);
});

test('RPC works both ways across the HTTP-only session', needsServer, async () => {
  const http = client({ transports: [httpTransport({ EventSource })] });
  const ws = client();
  await http.register('fb.add', (args) => args.reduce((a, b) => a + b, 0));
  assert.equal(await ws.call('fb.add', [1, 2, 3]), 6);
  await ws.register('fb.echo', (args) => args);
  assert.deepEqual(await http.call('fb.echo', { x: [1] }), { x: [1] });
  const bytes = await http.call('fb.echo', new Uint8Array([7, 8, 9]));
  assert.deepEqual([...bytes], [7, 8, 9]);
});

test('after a reconnect the client resumes from the last offset it saw, without gap or duplicate', needsServer, async () => {
  const sub = client({ minDelay: 50, maxDelay: 200 });
  const pub = client();
  const got = [];
  const box = inbox();
  await sub.subscribe('fb.resume', (data, m) => {
    got.push(m.offset);
    box.push(m.offset);
  });
  for (let i = 1; i <= 3; i++) await pub.publish('fb.resume', i, { ack: true });
  while (got.length < 3) await box.next();
  // Drop the link as a network would, and publish while the client is away.
  const reconnected = new Promise((resolve) => sub.on('connected', resolve));
  sub._link.close(4000, 'test drops the link');
  for (let i = 4; i <= 6; i++) await pub.publish('fb.resume', i, { ack: true });
  await reconnected;
  await pub.publish('fb.resume', 7, { ack: true });
  while (got.length < 7) await box.next();
  assert.deepEqual(got, [1, 2, 3, 4, 5, 6, 7]);
});
