import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPatch, applyMergePatch, PatchError, parsePointer } from '../../src/index.js';

// RFC 6902 appendix A
const examples = [
  ['A.1', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { baz: 'qux', foo: 'bar' }],
  ['A.2', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
  ['A.3', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
  ['A.4', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
  ['A.5', { baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
  ['A.6', { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } }, [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
    { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } }],
  ['A.7', { foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }], { foo: ['all', 'cows', 'eat', 'grass'] }],
  ['A.8', { baz: 'qux', foo: ['a', 2, 'c'] }, [{ op: 'test', path: '/baz', value: 'qux' }, { op: 'test', path: '/foo/1', value: 2 }],
    { baz: 'qux', foo: ['a', 2, 'c'] }],
  ['A.10', { foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }], { foo: 'bar', child: { grandchild: {} } }],
  ['A.11', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }], { foo: 'bar', baz: 'qux' }],
  ['A.14', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }], { '/': 9, '~1': 10 }],
  ['A.16', { foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }],
  ['root', { a: 1 }, [{ op: 'replace', path: '', value: [1] }], [1]],
  ['copy', { a: { b: 1 } }, [{ op: 'copy', from: '/a', path: '/c' }, { op: 'replace', path: '/c/b', value: 2 }], { a: { b: 1 }, c: { b: 2 } }],
];

for (const [name, doc, patch, expected] of examples) {
  test(`JSON Patch ${name}`, () => {
    const before = JSON.stringify(doc);
    assert.deepEqual(applyPatch(doc, patch), expected);
    assert.equal(JSON.stringify(doc), before, 'the input is not modified');
  });
}

const errors = [
  ['A.9 test fails', { baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }], 0],
  ['A.12 no parent', { foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }], 0],
  ['A.15 string vs number', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }], 0],
  ['missing member', { a: 1 }, [{ op: 'add', path: '/b', value: 2 }, { op: 'remove', path: '/zz' }], 1],
  ['bad index', { a: [1] }, [{ op: 'add', path: '/a/2', value: 1 }], 0],
  ['leading zero', { a: [1, 2] }, [{ op: 'remove', path: '/a/01' }], 0],
  ['unknown op', {}, [{ op: 'frob', path: '/a' }], 0],
  ['move into a child', { a: { b: 1 } }, [{ op: 'move', from: '/a', path: '/a/b/c' }], 0],
];

for (const [name, doc, patch, index] of errors) {
  test(`JSON Patch error: ${name}`, () => {
    assert.throws(() => applyPatch(doc, patch), (e) => e instanceof PatchError && e.index === index);
  });
}

test('a JSON Patch must be an array', () => {
  assert.throws(() => applyPatch({}, { op: 'add' }), (e) => e instanceof PatchError && e.index === -1);
});

test('pointers unescape ~1 and ~0', () => {
  assert.deepEqual(parsePointer('/a~1b/c~0d/'), ['a/b', 'c~d', '']);
  assert.throws(() => parsePointer('/a~2'));
  assert.throws(() => parsePointer('a'));
});

// RFC 7386 appendix A
const merges = [
  [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
  [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  [{ a: 'b' }, { a: null }, {}],
  [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
  [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  [['a', 'b'], ['c', 'd'], ['c', 'd']],
  [{ a: 'b' }, ['c'], ['c']],
  [{ a: 'foo' }, null, null],
  [{ a: 'foo' }, 'bar', 'bar'],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

merges.forEach(([target, patch, expected], i) => {
  test(`JSON Merge Patch example ${i + 1}`, () => {
    assert.deepEqual(applyMergePatch(target, patch), expected);
  });
});
