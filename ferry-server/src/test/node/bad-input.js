// Bad input (protocol.md §6): each bad frame gets its documented error code, with the id when one was given,
// and the connection stays usable: a ping afterwards gets its pong.

import { FerryClient, RUN, check, checkError, scenario } from './lib.js';

const cases = [
  // [what, raw text or frame sent, expected code, expected id (undefined: the error carries no id),
  //  word the message must name]
  ['malformed JSON', '{type: ping}', 'bad_frame', undefined],
  ['truncated JSON', '{"type":"ping",', 'bad_frame', undefined],
  ['a JSON array instead of an object', '[1,2,3]', 'bad_frame', undefined],
  ['a JSON string instead of an object', '"ping"', 'bad_frame', undefined],
  ['unknown type', { type: 'frobnicate', id: 11 }, 'unknown_command', 11],
  ['missing type', { id: 12, topic: 'a.b' }, 'unknown_command', 12],
  ['sub without topic', { type: 'sub', id: 13 }, 'missing_field', 13, 'topic'],
  ['pub without topic', { type: 'pub', id: 14, data: 1 }, 'missing_field', 14, 'topic'],
  ['sub to invalid topic a..b', { type: 'sub', id: 15, topic: 'a..b' }, 'bad_topic', 15],
  ['pub to invalid topic a..b', { type: 'pub', id: 16, topic: 'a..b', data: 1 }, 'bad_topic', 16],
  ['pub to invalid topic a..b without id', { type: 'pub', topic: 'a..b', data: 1 }, 'bad_topic', undefined],
  ['pub to a pattern a.*', { type: 'pub', id: 17, topic: 'a.*', data: 1 }, 'bad_topic', 17],
  ['pub to a pattern a.# with ack', { type: 'pub', id: 18, ack: true, topic: 'a.#', data: 1 }, 'bad_topic', 18],
  ['sub to a.b* (wildcard not a whole word)', { type: 'sub', id: 19, topic: 'a.b*' }, 'bad_topic', 19],
  ['sub with a trailing dot', { type: 'sub', id: 20, topic: 'a.b.' }, 'bad_topic', 20],
  ['sub with a topic of the wrong JSON type', { type: 'sub', id: 21, topic: 5 }, 'bad_frame', 21],
  ['unsub of a pattern not subscribed', { type: 'unsub', id: 22, topic: `never.${RUN}` }, 'not_subscribed', 22],
  ['register a pattern as procedure', { type: 'register', id: 23, proc: 'a.*' }, 'bad_procedure', 23],
  ['call without proc', { type: 'call', id: 24, args: [] }, 'missing_field', 24, 'proc'],
  ['call with timeout 0', { type: 'call', id: 25, proc: `p.${RUN}`, timeout: 0 }, 'bad_timeout', 25],
  ['call with timeout -5', { type: 'call', id: 26, proc: `p.${RUN}`, timeout: -5 }, 'bad_timeout', 26],
];

scenario('bad-input', async ({ ws: url, track }) => {
  const c = track(await FerryClient.open(url, undefined, 'client'));
  let ping = 500;
  for (const [what, sent, code, id, names] of cases) {
    await c.sendText(typeof sent === 'string' ? sent : JSON.stringify(sent));
    const err = await c.nextFrame(`error for ${what}`);
    checkError(err, code, id, what);
    if (names) {
      check(err.message.includes(names), `${what}: the message names the missing member "${names}"`);
    }
    ping += 1;
    await c.checkPing(ping, `${what}: connection still usable (ping ${ping} -> pong ${ping})`);
  }
  await c.checkQuiet('nothing else was sent');
  c.close();
});
