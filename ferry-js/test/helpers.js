// Shared by the integration and browser tests: where the server is (FERRY_HTTP_URL, set by the JUnit test
// that starts it, e.g. http://127.0.0.1:41234) and small waiting helpers. Their timeouts are generous: on a busy
// shared machine a healthy answer can take seconds, and a passing test never waits for them.

export const httpUrl = process.env.FERRY_HTTP_URL || '';
export const wsBase = httpUrl.replace(/^http/, 'ws');
/** node:test option: skip with a reason when no server was given. */
export const needsServer = httpUrl ? {} : { skip: 'FERRY_HTTP_URL is not set (run through ferry-cli\'s FerryJsIT, or start a server and set it)' };

/** Resolves with the next value pushed to the returned `push`, or rejects after `ms`. */
export function inbox(ms = 30000) {
  const items = [];
  const waiters = [];
  return {
    push(v) {
      const w = waiters.shift();
      if (w) w.resolve(v);
      else items.push(v);
    },
    next() {
      if (items.length) return Promise.resolve(items.shift());
      return new Promise((resolve, reject) => {
        const w = { resolve: (v) => { clearTimeout(timer); resolve(v); } };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`nothing arrived within ${ms} ms`));
        }, ms);
        waiters.push(w);
      });
    },
  };
}

export function once(target, type, ms = 30000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} event within ${ms} ms`)), ms);
    target.addEventListener(type, function l(e) {
      clearTimeout(timer);
      target.removeEventListener(type, l);
      resolve(e);
    });
  });
}

/**
 * Resolves once `condition()` (which may return a promise) holds, for what nothing signals (a count the server
 * shows, a timer of the code under test); checks again after pauses that double from 1 ms up to 50 ms, so waiting
 * takes no CPU from what is waited for. Rejects after `ms`.
 */
export async function until(condition, what, ms = 30000) {
  const deadline = Date.now() + ms;
  for (let pause = 1; !(await condition()); pause = Math.min(pause * 2, 50)) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, pause));
  }
}

/** Subscriptions at or under `prefix` (topics and patterns), from the server's topic index. */
export async function subscriptionsUnder(prefix) {
  const r = await fetch(`${httpUrl}/v1/topics?prefix=${encodeURIComponent(prefix)}`);
  return (await r.json()).total;
}
