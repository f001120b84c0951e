// Batching (protocol.md §2): several frames in one text message, separated by LF, are all answered; frames the
// server batches are split on LF by the client (FerryClient does this for every text message it receives).

import { FerryClient, RUN, ackEpoch, check, checkEqual, checkError, info, scenario } from './lib.js';

scenario('batching', async ({ ws: url, track }) => {
  const c = track(await FerryClient.open(url, undefined, 'batching client'));

  // The server MAY batch; whether it does depends on its flushing. So that the client's splitting is
  // exercised either way, feed it one batched message locally first (no network involved).
  c.onMessage(Buffer.from('{"type":"pong","id":90}\n\n{"type":"msg","topic":"x","offset":1,"epoch":"e1","data":"a\\nb"}\n'), false);
  checkEqual([await c.nextFrame('local 1'), await c.nextFrame('local 2')],
    [{ type: 'pong', id: 90 }, { type: 'msg', topic: 'x', offset: 1, data: 'a\nb' }],
    'local self-check: the client splits a batched text message on LF (empty lines ignored)');
  c.messages = 0;
  c.batchedMessages = 0;
  const topic = `batch.${RUN}`;

  // One message: sub, ping, an empty line, pub with ack (to a topic this connection is subscribed to),
  // ping, and a trailing LF.
  await c.sendText([
    JSON.stringify({ type: 'sub', id: 1, topic }),
    JSON.stringify({ type: 'ping', id: 2 }),
    '',
    JSON.stringify({ type: 'pub', id: 3, ack: true, topic, data: { n: 'one\ntwo' } }),
    JSON.stringify({ type: 'ping', id: 4 }),
  ].join('\n') + '\n');
  const replies = [];
  let msg = null;
  while (replies.length < 4 || msg === null) {
    const f = await c.nextFrame(`answers to the batch (have ${replies.length} replies${msg ? ' and the msg' : ''})`);
    if (f.type === 'msg') {
      check(msg === null, 'the own publication arrives once as msg');
      msg = f;
    } else {
      replies.push(f);
    }
  }
  checkEqual(replies, [
    { type: 'result', id: 1, data: { topic, offset: 0 } },
    { type: 'pong', id: 2 },
    { type: 'result', id: 3, data: { topic, epoch: ackEpoch(replies[2], 'pub+ack in a batch'), offset: 1 } },
    { type: 'pong', id: 4 },
  ], 'a batch of sub, ping, (empty line), pub+ack, ping with trailing LF: all answered, in command order');
  checkEqual(msg, { type: 'msg', topic, offset: 1, data: { n: 'one\ntwo' } },
    'the batched pub reaches the (same, subscribed) connection; an escaped \\n inside data survives');
  await c.checkQuiet('nothing else is sent for the batch');

  // A large batch of pings: every one is answered, in order.
  const n = 200;
  const before = { messages: c.messages, batched: c.batchedMessages };
  await c.send(...Array.from({ length: n }, (_, i) => ({ type: 'ping', id: 1000 + i })));
  const pongs = [];
  for (let i = 0; i < n; i++) {
    pongs.push((await c.nextFrame(`pong ${i + 1} of ${n}`)).id);
  }
  checkEqual(pongs, Array.from({ length: n }, (_, i) => 1000 + i), `${n} pings in one text message get ${n} pongs, in order`);
  const messages = c.messages - before.messages;
  info(`the server sent the ${n} pongs in ${messages} WebSocket message(s), ${c.batchedMessages - before.batched} of them batched`);

  // A batch of publications, several frames per message, to check ordering on one topic.
  const sub = track(await FerryClient.open(url, undefined, 'subscriber'));
  checkEqual(await sub.request({ type: 'sub', id: 1, topic: `${topic}.#` }, 'sub'), { type: 'result', id: 1, data: { topic: `${topic}.#` } },
    `second client subscribes ${topic}.#`);
  const t2 = `${topic}.many`;
  const m = 100;
  await c.send(...Array.from({ length: m }, (_, i) => ({ type: 'pub', topic: t2, data: i })));
  const got = [];
  for (let i = 0; i < m; i++) {
    got.push(await sub.nextFrame(`msg ${i + 1} of ${m}`));
  }
  checkEqual(got, Array.from({ length: m }, (_, i) => ({ type: 'msg', topic: t2, offset: i + 1, data: i })),
    `${m} pubs batched in one message reach the subscriber with offsets 1..${m} in order`);
  info(`the subscriber got the ${m} msg frames in ${sub.messages - 1} WebSocket message(s)`);
  await c.checkQuiet('pubs without ack in a batch get no reply');

  // A bad frame inside a batch fails alone: the frames around it are still processed.
  await c.sendText([
    JSON.stringify({ type: 'ping', id: 5 }),
    '{"type":"ping",',
    JSON.stringify({ type: 'ping', id: 6 }),
  ].join('\n'));
  checkEqual(await c.nextFrame('pong 5'), { type: 'pong', id: 5 }, 'batch with a malformed middle frame: the first frame is answered');
  checkError(await c.nextFrame('error for the malformed frame'), 'bad_frame', undefined, 'batch with a malformed middle frame');
  checkEqual(await c.nextFrame('pong 6'), { type: 'pong', id: 6 }, 'batch with a malformed middle frame: the frame after it is answered');

  c.close();
  sub.close();
});
