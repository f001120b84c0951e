// The connect hook's refusal as a page reads it, in headless Chromium: a browser's WebSocket cannot read the status
// of a refused upgrade, so the server accepts it and closes at once with 4403 and `<code>: <reason>` (docs/hooks.md,
// "Refusing a WebSocket"). FERRY_HOOKS_HTTP_URL is a server whose hooks.connect.url is FERRY_HOOKS_BACKEND_URL's
// /ferry/connect, the example backend (examples/hooks/backend.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, skip as noBrowser } from './chromium.js';

const ferry = process.env.FERRY_HOOKS_HTTP_URL;
const backend = process.env.FERRY_HOOKS_BACKEND_URL;
const skip = noBrowser || (!ferry || !backend ? 'FERRY_HOOKS_HTTP_URL and FERRY_HOOKS_BACKEND_URL are not set' : false);
const browser = launchChromium();

/** Opens a WebSocket from the page and resolves with whether it opened and how it closed. */
function socket(page, path, protocols) {
  return page.evaluate(([path, protocols]) => new Promise((resolve) => {
    const ws = new WebSocket(location.origin.replace(/^http/, 'ws') + path, protocols);
    let opened = false;
    ws.onopen = () => { opened = true; };
    ws.onmessage = () => ws.close(1000, 'done'); // an allowed connection: its first message (server_sub) is enough
    ws.onclose = (e) => resolve({ opened, code: e.code, reason: e.reason, wasClean: e.wasClean });
  }), [path, protocols]);
}

test('a page reads the connect hook\'s refusal as close 4403 with the application\'s code and reason', { skip }, async () => {
  const page = await browser.newPage();
  await page.goto(ferry + '/healthz');
  for (const [path, protocols] of [['/v1/ws', 'ferry.v1'], ['/v1/multiplex'], ['/v1/topics/chat/x'], ['/v1/index/chat']]) {
    assert.deepEqual(await socket(page, path, protocols),
      { opened: true, code: 4403, reason: 'login_required: log in first', wasClean: true }, path);
  }
  // logged in at the application: the same page's cookie now opens the connection
  const login = await fetch(backend + '/login', { method: 'POST', body: JSON.stringify({ user: 'alice' }),
    headers: { 'Content-Type': 'application/json' } });
  const sid = /sid=([^;]+)/.exec(login.headers.get('set-cookie'))[1];
  await page.context().addCookies([{ name: 'sid', value: sid, url: ferry }]);
  assert.deepEqual(await socket(page, '/v1/ws', 'ferry.v1'), { opened: true, code: 1000, reason: 'done', wasClean: true });
  await page.close();
});
