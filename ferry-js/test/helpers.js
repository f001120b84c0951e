// Shared by the integration and browser tests: where the server is (FERRY_HTTP_URL, set by the JUnit test
// that starts it, e.g. http://127.0.0.1:41234) and small waiting helpers.

export const httpUrl = process.env.FERRY_HTTP_URL || '';
export const wsBase = httpUrl.replace(/^http/, 'ws');
/** node:test option: skip with a reason when no server was given. */
export const needsServer = httpUrl ? {} : { skip: 'FERRY_HTTP_URL is not set (run through ferry-cli\'s FerryJsIT, or start a server and set it)' };

/** Resolves with the next value pushed to the returned `push`, or rejects after `ms`. */
export function inbox(ms = 5000) {
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

export function once(target, type, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} event within ${ms} ms`)), ms);
    target.addEventListener(type, function l(e) {
      clearTimeout(timer);
      target.removeEventListener(type, l);
      resolve(e);
    });
  });
}
