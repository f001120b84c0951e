// Connecting (protocol.md §1): the ferry.v1 subprotocol is required and echoed; anything else is HTTP 400.

import http from 'node:http';
import { FerryClient, SUBPROTOCOL, WAIT_MS, check, checkEqual, info, openRefused, scenario } from './lib.js';

function plainRequest(base, method, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, base), { method, headers, timeout: WAIT_MS }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ statusCode: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ statusCode: res.statusCode, body: '' });
    });
    req.on('timeout', () => req.destroy(new Error(`no response to ${method} ${path} within ${WAIT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

scenario('handshake', async ({ ws: url, http: base, track }) => {
  const c = track(await FerryClient.open(url, [SUBPROTOCOL], 'ferry.v1 client'));
  check(true, 'upgrade offering ferry.v1 opens');
  checkEqual(c.ws.protocol, SUBPROTOCOL, 'server echoes the subprotocol: ws.protocol === "ferry.v1"');
  await c.checkQuiet('server sends nothing on an open connection before the first command');
  await c.checkPing(1);
  c.close();

  const both = track(await FerryClient.open(url, ['mqtt', SUBPROTOCOL], 'mqtt+ferry.v1 client'));
  checkEqual(both.ws.protocol, SUBPROTOCOL, 'offering mqtt and ferry.v1: server picks ferry.v1');
  await both.checkPing(2);
  both.close();

  const none = await openRefused(url);
  checkEqual(none.statusCode, 400, 'upgrade offering no subprotocol is refused with HTTP 400');
  check(/subprotocol/i.test(none.body), 'the 400 body names the reason (mentions the subprotocol)',
    `body: ${JSON.stringify(none.body)}`);

  info(`400 body for no subprotocol: ${JSON.stringify(none.body)}`);

  const mqtt = await openRefused(url, ['mqtt']);
  checkEqual(mqtt.statusCode, 400, 'upgrade offering only "mqtt" is refused with HTTP 400');
  check(/subprotocol/i.test(mqtt.body) && mqtt.body.includes('mqtt') && mqtt.body.includes(SUBPROTOCOL),
    'the 400 body names the reason (the offered "mqtt" and the expected ferry.v1)',
    `body: ${JSON.stringify(mqtt.body)}`);

  info(`400 body for "mqtt": ${JSON.stringify(mqtt.body)}`);

  const plain = await plainRequest(base, 'GET', '/v1/ws');
  checkEqual(plain.statusCode, 400, 'GET /v1/ws without WebSocket headers is refused with HTTP 400');

  const post = await plainRequest(base, 'POST', '/v1/ws', {
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Protocol': SUBPROTOCOL,
  });
  checkEqual(post.statusCode, 400, 'an upgrade request with method POST is refused with HTTP 400');

  // The refusals left the server usable.
  const after = track(await FerryClient.open(url, [SUBPROTOCOL], 'client after refusals'));
  await after.checkPing(3, 'a new ferry.v1 connection after the refusals works (ping/pong)');
  after.close();
});
