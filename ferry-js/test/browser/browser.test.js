// End-to-end in headless Chromium (Debian's chromium driven by playwright-core, no browser download): the demo
// page, two pages chatting, MultiWebSocket and a per-topic socket from a page. FERRY_HTTP_URL is the server;
// FERRY_CHROMIUM the browser (default /usr/bin/chromium).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { launchChromium, skip } from './chromium.js';
import { WebSocket } from 'ws';
import { Ferry } from '../../src/index.js';
import { httpUrl, wsBase } from '../helpers.js';

const browser = launchChromium();

async function demoPage() {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(httpUrl + '/');
  await page.waitForSelector('#state[data-state=connected]', { timeout: 10000 });
  await page.waitForSelector('body[data-joined="demo.chat.lobby"]', { timeout: 10000 });
  return { page, errors };
}

test('the demo page loads, connects with ferry-js and shows the live topic index', { skip }, async () => {
  const { page, errors } = await demoPage();
  assert.equal(await page.title(), 'Ferry demo');
  await page.waitForFunction(() => [...document.querySelectorAll('#children button')].some((b) => b.textContent === 'demo'),
    null, { timeout: 10000 });
  assert.deepEqual(errors, []);
  await page.close();
});

test('two pages exchange chat messages', { skip }, async () => {
  const a = await demoPage();
  const b = await demoPage();
  await a.page.fill('#say input[name=text]', 'hello from a');
  await a.page.click('#say button');
  await b.page.waitForFunction(() => document.querySelector('#log').textContent.includes('hello from a'), null, { timeout: 10000 });
  await b.page.fill('#say input[name=text]', 'and back from b');
  await b.page.press('#say input[name=text]', 'Enter');
  await a.page.waitForFunction(() => document.querySelector('#log').textContent.includes('and back from b'), null, { timeout: 10000 });
  assert.deepEqual([...a.errors, ...b.errors], []);
  await a.page.close();
  await b.page.close();
});

test('MultiWebSocket, JSONWebSocket and RelativeWebSocket work in the browser', { skip }, async () => {
  const { page } = await demoPage();
  const result = await page.evaluate(async () => {
    const { MultiWebSocket, JSONWebSocket, RelativeWebSocket, topicPath } = await import('/ferry-js/index.js');
    const opened = (s) => new Promise((resolve) => s.addEventListener('open', resolve));
    const message = (s) => new Promise((resolve) => s.addEventListener('message', (e) => resolve(e.data), { once: true }));
    const multi = new MultiWebSocket('/v1/multiplex');
    const a = multi.WebSocket('browser.mux');
    const all = multi.WebSocket('browser.#');
    await Promise.all([opened(a), opened(all)]);
    // a channel opens once the server has made its subscription
    const viaAll = message(all);
    const viaA = message(a);
    a.send('over the multiplexer');
    const out = { a: await viaA, all: await viaAll, readyState: a.readyState };
    const raw = new RelativeWebSocket(topicPath('browser.json'));
    const json = new JSONWebSocket(raw);
    await opened(raw);
    const viaJson = message(json);
    const viaMux = message(all);
    json.send({ n: 42 });
    out.json = await viaJson;
    out.muxSeesJson = await viaMux;
    out.url = raw.url;
    multi.close();
    raw.close();
    return out;
  });
  assert.equal(result.a, 'over the multiplexer');
  assert.equal(result.all, 'over the multiplexer');
  assert.equal(result.readyState, 1);
  assert.deepEqual(result.json, { n: 42 });
  assert.equal(result.muxSeesJson, '{"n":42}');
  assert.match(result.url, /^ws:\/\/127\.0\.0\.1:\d+\/v1\/topics\/browser\/json$/);
  await page.close();
});

test('with WebSocket blocked, a page falls back to the HTTP-only session by itself', { skip }, async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // A network that breaks WebSockets: every WebSocket closes before it opens.
  await page.addInitScript(() => {
    window.WebSocket = class {
      constructor() {
        setTimeout(() => this.onclose && this.onclose({ code: 1006, reason: 'blocked' }), 0);
      }

      send() {}

      close() {}
    };
  });
  await page.goto(httpUrl + '/');
  const r = await page.evaluate(async () => {
    const { Ferry } = await import('/ferry-js/index.js');
    const f = new Ferry('/v1/ws', { minDelay: 50, maxDelay: 200 });
    let delivered;
    const message = new Promise((resolve) => { delivered = resolve; });
    await f.subscribe('browser.fallback', (d, m) => delivered({ d, offset: m.offset }));
    const ack = await f.publish('browser.fallback', { hello: 'over http' }, { ack: true });
    const got = await message;
    const transport = f.transport;
    f.close();
    return { transport, got, ack };
  });
  assert.equal(r.transport, 'http');
  assert.deepEqual(r.got.d, { hello: 'over http' });
  assert.equal(r.got.offset, r.ack.offset);
  // The demo page's own client fell back as well.
  await page.waitForSelector('#state[data-state=connected]', { timeout: 15000 });
  assert.deepEqual(errors, []);
  await page.close();
});

/** A TCP proxy on 127.0.0.1 in front of the server, whose cut() breaks every connection as a network would. */
function tcpProxy(targetPort) {
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(s);
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    port: server.address().port,
    cut: () => [...sockets].forEach((s) => s.destroy()),
    close: () => {
      [...sockets].forEach((s) => s.destroy());
      server.close();
    },
  })));
}

test('a page\'s EventSource resumes with Last-Event-ID after a forced disconnect, missing nothing', { skip }, async () => {
  const proxy = await tcpProxy(Number(new URL(httpUrl).port));
  const publisher = new Ferry(wsBase + '/v1/ws', { WebSocket });
  const page = await browser.newPage();
  try {
    await page.goto(`http://127.0.0.1:${proxy.port}/`);
    await page.evaluate(() => new Promise((resolve, reject) => {
      window.offsets = [];
      window.drops = 0;
      const es = new EventSource('/v1/sse?topic=browser.es');
      es.onerror = () => { window.drops++; };
      es.onmessage = (e) => window.offsets.push(JSON.parse(e.data).offset);
      es.addEventListener('ready', () => resolve(), { once: true });
      setTimeout(() => reject(new Error('no ready event')), 10000);
    }));
    for (let i = 1; i <= 3; i++) await publisher.publish('browser.es', i, { ack: true });
    await page.waitForFunction(() => window.offsets.length === 3, null, { timeout: 10000 });
    proxy.cut(); // the stream breaks; the page's EventSource reconnects by itself, with Last-Event-ID
    for (let i = 4; i <= 6; i++) await publisher.publish('browser.es', i, { ack: true });
    await page.waitForFunction(() => window.offsets.length >= 6, null, { timeout: 20000 });
    await publisher.publish('browser.es', 7, { ack: true });
    await page.waitForFunction(() => window.offsets.length >= 7, null, { timeout: 10000 });
    assert.deepEqual(await page.evaluate(() => window.offsets), [1, 2, 3, 4, 5, 6, 7]);
    assert.ok(await page.evaluate(() => window.drops) >= 1, 'the stream did break and reconnect');
  } finally {
    publisher.close();
    await page.close();
    proxy.close();
  }
});
