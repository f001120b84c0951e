// Publication tags and subscription filters through the JavaScript client (docs/protocol.md §4.4).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { Ferry, FerryError } from '../../src/index.js';
import { wsBase, needsServer, inbox } from '../helpers.js';

const clients = [];
function client() {
  const f = new Ferry(wsBase + '/v1/ws', { WebSocket });
  clients.push(f);
  return f;
}
after(() => clients.forEach((c) => c.close()));

test('tags reach subscribers and filters select by tags and data', needsServer, async () => {
  const topic = 'it.filters.' + Date.now();
  const sub = client();
  const east = inbox();
  const all = inbox();
  await sub.subscribe(topic + '.*', (data, d) => east.push({ data, d }), { filter: "tags.region == 'east' and temp > 30" });
  const other = client();
  await other.subscribe(topic + '.*', (data, d) => all.push({ data, d }));
  const pub = client();
  await pub.publish(topic + '.a', { temp: 35 }, { ack: true, tags: { region: 'west' } });
  await pub.publish(topic + '.a', { temp: 20 }, { ack: true, tags: { region: 'east' } });
  await pub.publish(topic + '.b', { temp: 31 }, { ack: true, tags: { region: 'east' } });
  await pub.publish(topic + '.b', { temp: 40 }, { ack: true });

  const m = await east.next();
  assert.equal(m.data.temp, 31);
  assert.deepEqual(m.d.tags, { region: 'east' });
  assert.equal(m.d.topic, topic + '.b');
  for (let i = 0; i < 4; i++) {
    const a = await all.next();
    assert.equal(a.d.tags === undefined, a.data.temp === 40);
  }
});

test('a bad filter rejects the subscription with bad_filter', needsServer, async () => {
  const sub = client();
  await assert.rejects(sub.subscribe('it.filters.bad', () => {}, { filter: 'temp >' }), (e) => {
    assert.ok(e instanceof FerryError);
    assert.equal(e.code, 'bad_filter');
    return true;
  });
});
