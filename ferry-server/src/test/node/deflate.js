// permessage-deflate (RFC 7692) with ws's own implementation, against a server run with websocket.deflate on
// (docs/configuration.md): negotiation, publications compressed for the clients that negotiated it and plain for
// the others, and compressed client messages.

import { FerryClient, RUN, ackEpoch, check, checkEqual, scenario } from './lib.js';

scenario('deflate', async ({ ws: url, track }) => {
  const compressing = { perMessageDeflate: { threshold: 0 } }; // this client compresses whatever it sends
  const a = track(await FerryClient.open(url, undefined, 'deflate subscriber', compressing));
  const b = track(await FerryClient.open(url, undefined, 'plain subscriber', { perMessageDeflate: false }));
  const pub = track(await FerryClient.open(url, undefined, 'deflate publisher', compressing));

  const agreed = a.ws._extensions['permessage-deflate'];
  check(a.ws.extensions === 'permessage-deflate' && agreed && agreed.params.server_no_context_takeover === true,
    `negotiated permessage-deflate with server_no_context_takeover: ${JSON.stringify(agreed && agreed.params)}`);
  check(b.ws.extensions === '', 'a client that offers nothing gets no extension');

  const topic = `deflate.${RUN}`;
  for (const c of [a, b]) {
    const reply = await c.request({ type: 'sub', id: 1, topic }, 'sub');
    check(reply.type === 'result' && reply.id === 1, `${c.name}: sub ${topic} -> result`);
  }

  const rows = [];
  for (let i = 0; i < 400; i++) {
    rows.push({ id: i, name: `sensor-${i % 17}`, region: i % 2 ? 'east' : 'west', temp: 20 + (i % 13) / 4 });
  }
  const publications = [{ rows }, { small: true }];
  let offset = 0;
  for (const data of publications) {
    offset += 1;
    const size = JSON.stringify(data).length;
    const readBefore = a.ws._socket.bytesRead;
    const ack = await pub.request({ type: 'pub', id: 10 + offset, ack: true, topic, data }, 'pub');
    checkEqual(ack, { type: 'result', id: 10 + offset, data: { topic, epoch: ackEpoch(ack, 'pub'), offset } },
      `a compressed pub of ${size} bytes of JSON is acknowledged`);
    for (const c of [a, b]) {
      const m = await c.nextFrame(`msg ${offset}`);
      checkEqual(m, { type: 'msg', topic, offset, data }, `${c.name}: receives the ${size}-byte publication intact`);
    }
    const read = a.ws._socket.bytesRead - readBefore;
    if (size > 10000) {
      check(read < size / 4, `the deflate subscriber read ${read} bytes for it (compressed)`);
    }
  }
});
