// Binary messages (protocol.md §2): a JSON header, one LF byte, then opaque payload bytes, never base64.

import { randomBytes } from 'node:crypto';
import { FerryClient, RUN, ackEpoch, binaryMessage, check, checkEqual, checkError, scenario, show } from './lib.js';

scenario('binary', async ({ ws: url, track }) => {
  const sub = track(await FerryClient.open(url, undefined, 'subscriber'));
  const pub = track(await FerryClient.open(url, undefined, 'publisher'));
  const pattern = `files.${RUN}.#`;
  checkEqual(await sub.request({ type: 'sub', id: 1, topic: pattern }, 'sub'),
    { type: 'result', id: 1, data: { topic: pattern } }, `sub ${pattern}`);

  const topic = `files.${RUN}.a`;
  // Bytes that are not UTF-8, include NUL, 0xFF and LF (only the first LF separates header from payload).
  const payloads = [
    ['small bytes with NUL, 0xFF and LF', Buffer.from([0x00, 0x01, 0x0a, 0xff, 0xfe, 0x0a, 0x0a, 0xc3, 0x28])],
    ['an empty payload', Buffer.alloc(0)],
    ['64 KiB of random bytes', randomBytes(64 * 1024)],
  ];
  let offset = 0;
  for (const [what, bytes] of payloads) {
    offset += 1;
    await pub.sendBinary(binaryMessage({ type: 'pub', id: 10 + offset, ack: true, topic }, bytes));
    const ack = await pub.nextFrame(`ack for binary pub of ${what}`);
    checkEqual(ack, { type: 'result', id: 10 + offset, data: { topic, epoch: ackEpoch(ack, what), offset } },
      `binary pub of ${what} with ack -> text result {topic, epoch, offset ${offset}}`);
    const m = await sub.nextBinary(`binary msg for ${what}`);
    checkEqual(m.header, { type: 'msg', topic, offset }, `${what}: arrives as a binary msg with header {type, topic, offset ${offset}} and no data member`);
    check(m.payload.equals(bytes), `${what}: the bytes after the header's LF are the published bytes (${bytes.length} bytes)`,
      `expected ${show(bytes)}\n    actual   ${show(m.payload)}`);
  }

  // Text and binary publications on one topic share its offsets; a text pub stays text.
  await pub.send({ type: 'pub', topic, data: { text: true } });
  checkEqual(await sub.nextFrame('text msg'), { type: 'msg', topic, offset: offset + 1, data: { text: true } },
    'a text pub on the same topic arrives as a text msg with the next offset');

  // A binary pub without ack gets no reply.
  await pub.sendBinary(binaryMessage({ type: 'pub', topic }, Buffer.from('no ack')));
  const m = await sub.nextBinary('binary msg without ack');
  check(m.header && m.header.offset === offset + 2 && m.payload.toString('latin1') === 'no ack',
    'binary pub without ack is delivered', `got ${show(m)}`);
  await pub.checkQuiet('binary pub without ack gets no reply');

  // Binary call -> binary invoke; binary reply -> binary result.
  const callee = track(await FerryClient.open(url, undefined, 'callee'));
  const proc = `blob.reverse.${RUN}`;
  checkEqual(await callee.request({ type: 'register', id: 1, proc }, 'register'),
    { type: 'result', id: 1, data: { proc } }, `callee registers ${proc}`);
  const args = Buffer.from([0x0a, 0x00, 0xff, 0x10, 0x0a]);
  await pub.sendBinary(binaryMessage({ type: 'call', id: 77, proc, timeout: 3000 }, args));
  const inv = await callee.nextBinary('binary invoke');
  check(inv.header && inv.header.type === 'invoke' && inv.header.proc === proc && Number.isInteger(inv.header.id)
    && !('args' in inv.header), 'a binary call reaches the callee as a binary invoke {type, id, proc} without args', `got ${show(inv)}`);
  check(inv.payload.equals(args), 'the invoke payload is the call\'s bytes', `got ${show(inv.payload)}`);
  const reversed = Buffer.from(args).reverse();
  await callee.sendBinary(binaryMessage({ type: 'reply', id: inv.header.id }, reversed));
  const res = await pub.nextBinary('binary result');
  checkEqual(res.header, { type: 'result', id: 77 }, 'a binary reply reaches the caller as a binary result {type, id 77}');
  check(res.payload.equals(reversed), 'the result payload is the reply\'s bytes', `got ${show(res.payload)}`);

  // A binary message without the LF separator is bad_frame; the connection stays usable.
  await pub.sendBinary(Buffer.from(JSON.stringify({ type: 'pub', id: 99, topic })));
  checkError(await pub.nextFrame('error for a binary message without LF'), 'bad_frame', undefined,
    'binary message without LF');
  await pub.checkPing(5, 'after the bad binary message, ping 5 is answered by pong 5');
  await sub.checkQuiet('the subscriber got nothing from the malformed binary message');

  sub.close();
  pub.close();
  callee.close();
});
