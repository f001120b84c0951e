// AMQP 1.0 with rhea: over the AMQP WebSocket Binding through Ferry, and directly over TCP to the broker as the
// baseline. Each path opens a connection, a sender and a receiver on its own queue, sends a text message and a
// 300 kB binary message, and checks that both come back intact.
//
//   node amqp-rhea.js <ws-url of an amqp route> <broker host:port>
//
// Prints one line per check; exits 0 when all pass, 1 with a FAIL line otherwise; ends itself after 20 s.

import { randomBytes } from 'node:crypto';
import rhea from 'rhea';
import WebSocket from 'ws';

const BUDGET_MS = 150_000;
const [wsUrl, broker] = process.argv.slice(2);
if (!wsUrl || !broker) {
  console.log('FAIL usage: node amqp-rhea.js <ws-url> <broker host:port>');
  process.exit(1);
}
for (const host of [new URL(wsUrl).hostname, broker.split(':')[0]]) {
  if (host !== '127.0.0.1') {
    console.log(`FAIL refusing to connect to ${host}: only 127.0.0.1`);
    process.exit(1);
  }
}
setTimeout(() => {
  console.log(`FAIL scenario did not finish within ${BUDGET_MS} ms`);
  process.exit(1);
}, BUDGET_MS).unref();

function roundTrip(label, connectOptions, queue) {
  return new Promise((resolve, reject) => {
    const container = rhea.create_container({ id: `ferry-rhea-${label}` });
    const big = randomBytes(300_000);
    const expected = [`hello over ${label}`, big];
    const received = [];
    const connection = container.connect({ ...connectOptions, reconnect: false });
    connection.on('connection_open', () => console.log(`ok   ${label}: connection open`));
    connection.on('connection_error', (ctx) => reject(new Error(`${label}: connection error ${ctx.connection.error}`)));
    connection.on('disconnected', (ctx) => {
      if (received.length < expected.length) {
        reject(new Error(`${label}: disconnected: ${ctx.error || 'no error given'}`));
      }
    });
    const receiver = connection.open_receiver(queue);
    receiver.on('receiver_open', () => {
      const sender = connection.open_sender(queue);
      let sent = false;
      sender.on('sendable', () => {
        if (sent) return;
        sent = true;
        sender.send({ body: expected[0] });
        sender.send({ body: rhea.message.data_section(big) });
      });
    });
    receiver.on('message', (ctx) => {
      const body = ctx.message.body;
      received.push(body && body.typecode === 0x75 ? body.content : body);
      if (received.length < expected.length) return;
      if (received[0] !== expected[0]) {
        reject(new Error(`${label}: text body ${JSON.stringify(received[0])}, expected ${JSON.stringify(expected[0])}`));
        return;
      }
      console.log(`ok   ${label}: text message came back`);
      if (!Buffer.isBuffer(received[1]) || !big.equals(received[1])) {
        reject(new Error(`${label}: the 300 kB binary message came back different`));
        return;
      }
      console.log(`ok   ${label}: 300 kB binary message came back intact`);
      connection.once('connection_close', () => {
        console.log(`ok   ${label}: connection closed cleanly`);
        resolve();
      });
      connection.close();
    });
  });
}

try {
  const container = rhea.create_container();
  const ws = container.websocket_connect(WebSocket);
  await roundTrip('tcp', { host: broker.split(':')[0], port: Number(broker.split(':')[1]) }, 'rhea.test.tcp');
  await roundTrip('ws', { connection_details: ws(wsUrl, ['amqp']), host: '127.0.0.1' }, 'rhea.test.ws');
  console.log('PASS amqp-rhea');
  process.exit(0);
} catch (e) {
  console.log(`FAIL ${e.message}`);
  process.exit(1);
}
