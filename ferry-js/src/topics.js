// The topic grammar of docs/protocol.md §3, as far as a client needs it.

/** Whether `topic` matches `pattern` (AMQP rules: `*` one word, `#` zero or more words). */
export function matches(pattern, topic) {
  return match(pattern.split('.'), 0, topic.split('.'), 0);
}

function match(p, pi, t, ti) {
  if (pi === p.length) return ti === t.length;
  if (p[pi] === '#') {
    for (let skip = ti; skip <= t.length; skip++) {
      if (match(p, pi + 1, t, skip)) return true;
    }
    return false;
  }
  if (ti === t.length) return false;
  return (p[pi] === '*' || p[pi] === t[ti]) && match(p, pi + 1, t, ti + 1);
}

/** Whether a pattern contains a wildcard word. */
export function hasWildcard(pattern) {
  return pattern.split('.').some((w) => w === '*' || w === '#');
}

/** The path of the per-topic socket of a topic or pattern: `chat.*` → `/v1/topics/chat/%2A`. */
export function topicPath(topic) {
  return '/v1/topics/' + topic.split('.').map((w) => encodeURIComponent(w).replace(/\*/g, '%2A')).join('/');
}
