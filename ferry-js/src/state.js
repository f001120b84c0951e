// State channels (docs/protocol.md §4.6): RFC 6902 JSON Patch and RFC 7386 JSON Merge Patch on plain JSON values,
// and StateReplica, the local copy of a channel's document that Ferry.followState() keeps in sync.

import { Emitter } from './events.js';

/** A patch that cannot be applied; `index` is the failing operation's position (-1: the patch as a whole). */
export class PatchError extends Error {
  constructor(index, message) {
    super(message);
    this.name = 'PatchError';
    this.index = index;
  }
}

/** The reference tokens of an RFC 6901 JSON Pointer ('' is the whole document). */
export function parsePointer(pointer) {
  if (pointer === '') return [];
  if (typeof pointer !== 'string' || pointer[0] !== '/') throw new TypeError(`JSON Pointer "${pointer}" must be empty or start with "/"`);
  return pointer.slice(1).split('/').map((t) => {
    if (/~[^01]|~$/.test(t)) throw new TypeError(`JSON Pointer "${pointer}": "~" must be followed by 0 or 1`);
    return t.replace(/~1/g, '/').replace(/~0/g, '~');
  });
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const INDEX = /^(0|[1-9][0-9]*)$/;
const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

/** JSON equality as RFC 6902 §4.6 defines it for `test`. */
export function jsonEqual(a, b) {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isObject(a) || isObject(b)) {
    if (!isObject(a) || !isObject(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => has(b, k) && jsonEqual(a[k], b[k]));
  }
  return a === b;
}

function get(doc, tokens) {
  let cur = doc;
  for (const t of tokens) {
    if (Array.isArray(cur)) {
      if (!INDEX.test(t) || Number(t) >= cur.length) return undefined;
      cur = cur[Number(t)];
    } else if (isObject(cur)) {
      if (!has(cur, t)) return undefined;
      cur = cur[t];
    } else {
      return undefined;
    }
  }
  return cur;
}

/**
 * The document `patch` (an array of RFC 6902 operations) makes of `doc`, which is not modified. Throws a
 * PatchError naming the first operation that cannot be applied; then nothing is applied.
 */
export function applyPatch(doc, patch) {
  if (!Array.isArray(patch)) throw new PatchError(-1, 'a JSON Patch must be an array of operations');
  let root = clone(doc);
  patch.forEach((op, i) => {
    root = applyOperation(root, op, i);
  });
  return root;
}

function applyOperation(root, op, i) {
  if (!isObject(op)) throw new PatchError(i, `operation ${i} is not an object`);
  const where = `operation ${i} (${op.op} "${op.path}"): `;
  const pointer = (member) => {
    if (typeof op[member] !== 'string') throw new PatchError(i, `operation ${i}: "${member}" must be a string`);
    try {
      return parsePointer(op[member]);
    } catch (e) {
      throw new PatchError(i, `operation ${i}: "${member}": ${e.message}`);
    }
  };
  const value = () => {
    if (!has(op, 'value')) throw new PatchError(i, `operation ${i} (${op.op}): missing "value"`);
    return clone(op.value);
  };
  const parent = (tokens) => {
    const p = get(root, tokens.slice(0, -1));
    if (p === undefined) throw new PatchError(i, where + 'the parent of the target does not exist');
    if (!Array.isArray(p) && !isObject(p)) throw new PatchError(i, where + 'the parent of the target is neither an object nor an array');
    return p;
  };
  const index = (arr, token, forAdd) => {
    if (forAdd && token === '-') return arr.length;
    if (!INDEX.test(token) || Number(token) > arr.length - (forAdd ? 0 : 1)) {
      throw new PatchError(i, where + `array index "${token}" is out of bounds (size ${arr.length})`);
    }
    return Number(token);
  };
  const add = (tokens, v) => {
    if (tokens.length === 0) return v;
    const p = parent(tokens);
    const last = tokens[tokens.length - 1];
    if (Array.isArray(p)) p.splice(index(p, last, true), 0, v);
    else p[last] = v;
    return root;
  };
  const remove = (tokens) => {
    if (tokens.length === 0) throw new PatchError(i, where + 'cannot remove the whole document');
    const p = parent(tokens);
    const last = tokens[tokens.length - 1];
    if (Array.isArray(p)) return p.splice(index(p, last, false), 1)[0];
    if (!has(p, last)) throw new PatchError(i, where + 'the target does not exist');
    const old = p[last];
    delete p[last];
    return old;
  };
  switch (op.op) {
    case 'add':
      return add(pointer('path'), value());
    case 'remove':
      remove(pointer('path'));
      return root;
    case 'replace': {
      const tokens = pointer('path');
      const v = value();
      if (tokens.length === 0) return v;
      const p = parent(tokens);
      const last = tokens[tokens.length - 1];
      if (Array.isArray(p)) p[index(p, last, false)] = v;
      else if (has(p, last)) p[last] = v;
      else throw new PatchError(i, where + 'the target does not exist');
      return root;
    }
    case 'move': {
      const from = pointer('from');
      const to = pointer('path');
      if (get(root, from) === undefined) throw new PatchError(i, where + `"from" "${op.from}" does not exist`);
      if (from.length === to.length && from.every((t, k) => t === to[k])) return root;
      if (to.length > from.length && from.every((t, k) => t === to[k])) {
        throw new PatchError(i, where + 'cannot move a value into one of its own children');
      }
      return add(to, remove(from));
    }
    case 'copy': {
      const v = get(root, pointer('from'));
      if (v === undefined) throw new PatchError(i, where + `"from" "${op.from}" does not exist`);
      return add(pointer('path'), clone(v));
    }
    case 'test': {
      const actual = get(root, pointer('path'));
      if (actual === undefined) throw new PatchError(i, where + 'test failed: the path does not exist');
      if (!jsonEqual(actual, value())) throw new PatchError(i, where + 'test failed: the value differs');
      return root;
    }
    default:
      throw new PatchError(i, `operation ${i}: unknown op "${op.op}" (expected: add, remove, replace, move, copy or test)`);
  }
}

/** RFC 7386 MergePatch(target, patch); neither argument is modified. */
export function applyMergePatch(target, patch) {
  if (!isObject(patch)) return clone(patch);
  const out = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

/**
 * The local copy of a state channel's document: `document`, `version` and `epoch` are those of the latest change
 * applied; a 'change' event ({topic, epoch, version, document, patch, snapshot}) follows every change, in version
 * order (`patch` is null and `snapshot` true when the whole document was taken). Made by Ferry.followState().
 */
export class StateReplica extends Emitter {
  constructor(ferry, topic) {
    super();
    this.topic = topic;
    this.document = undefined;
    this.version = -1;
    this.epoch = undefined;
    this._ferry = ferry;
    this._active = true;
    this.ready = new Promise((resolve, reject) => {
      this._resolveReady = resolve;
      this._rejectReady = reject;
    });
    this.ready.catch(() => {});
  }

  /** Stops following the channel. */
  close() {
    return this._ferry._unfollowState(this);
  }

  /** Takes a whole document. */
  _snapshot(f) {
    this.document = f.data;
    this.version = f.version;
    this.epoch = f.epoch;
    this._changed(null);
    this._resolveReady(this);
  }

  /** Applies one patch; false when it does not follow the version held (the client asks for a snapshot). */
  _patch(f) {
    if (this.version < 0) return false;
    const sameEpoch = this.epoch === undefined || this.epoch === f.epoch;
    if (sameEpoch && f.version <= this.version) return true; // had it already (replayed after a reconnect)
    if (!sameEpoch || f.version !== this.version + 1) return false;
    let next;
    try {
      next = applyPatch(this.document, f.patch);
    } catch {
      return false;
    }
    this.document = next;
    this.version = f.version;
    this.epoch = f.epoch;
    this._changed(f.patch);
    return true;
  }

  _changed(patch) {
    if (!this._active) return;
    this.emit('change', { topic: this.topic, epoch: this.epoch, version: this.version, document: this.document, patch, snapshot: patch === null });
  }
}
