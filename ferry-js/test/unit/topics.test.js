import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matches, hasWildcard, topicPath } from '../../src/index.js';

test('matches follows AMQP topic rules', () => {
  assert.ok(matches('a.*.c', 'a.b.c'));
  assert.ok(!matches('a.*.c', 'a.c'));
  assert.ok(!matches('a.*.c', 'a.b.b.c'));
  assert.ok(matches('a.#', 'a'));
  assert.ok(matches('a.#', 'a.b.c'));
  assert.ok(matches('#', 'x.y'));
  assert.ok(matches('a.#.z', 'a.z'));
  assert.ok(matches('a.#.z', 'a.b.c.z'));
  assert.ok(!matches('a.b', 'a.b.c'));
});

test('hasWildcard and topicPath', () => {
  assert.ok(hasWildcard('a.*'));
  assert.ok(!hasWildcard('a.b*'));
  assert.equal(topicPath('chat.*'), '/v1/topics/chat/%2A');
  assert.equal(topicPath('chat.#'), '/v1/topics/chat/%23');
  assert.equal(topicPath('chat.room1'), '/v1/topics/chat/room1');
});
