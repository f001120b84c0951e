// A WAMP application in headless Chromium: Autobahn|JS's browser build (npm autobahn-browser) on /v1/wamp, with
// a ferry.v1 client (ferry-js in Node) on the other side of the same topics and procedures: the page subscribes,
// publishes, calls and registers; the ferry.v1 peer publishes to it, receives from it, serves its calls and
// calls it. The server has no wamp.realms, so the one realm is realm1, without topic prefix (docs/wamp.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { launchChromium, skip } from './chromium.js';
import { Ferry } from '../../src/index.js';
import { httpUrl, wsBase, inbox } from '../helpers.js';

const browser = launchChromium();
const autobahnBrowser = fileURLToPath(new URL('../../node_modules/autobahn-browser/autobahn.min.js', import.meta.url));

test('Autobahn|JS in a page publishes, subscribes, calls and registers through /v1/wamp with a ferry.v1 peer', { skip }, async () => {
  const run = `b${Date.now().toString(36)}`;
  const ferry = new Ferry(wsBase + '/v1/ws', { WebSocket });
  const chat = inbox();
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await ferry.subscribe(`${run}.chat`, (data) => chat.push(data));
    await ferry.register(`${run}.add`, (args) => args[0] + args[1]);
    await page.goto(httpUrl + '/ferry-js/index.js');
    await page.addScriptTag({ path: autobahnBrowser });

    // the page joins, subscribes, registers, calls the ferry.v1 callee and publishes to the ferry.v1 subscriber
    const joined = await page.evaluate(async (run) => {
      window.news = [];
      const url = location.origin.replace(/^http/, 'ws') + '/v1/wamp';
      const session = await new Promise((resolve, reject) => {
        const connection = new autobahn.Connection({ url, realm: 'realm1', max_retries: 0 });
        connection.onopen = (s) => resolve(s);
        connection.onclose = (reason, details) => { reject(new Error(`${reason} ${JSON.stringify(details)}`)); return true; };
        connection.open();
      });
      window.session = session;
      await session.subscribe(`${run}.news`, (args, kwargs, details) => window.news.push({ args, kwargs, topic: details.topic }));
      await session.register(`${run}.upper`, (args) => String(args[0]).toUpperCase());
      const sum = await session.call(`${run}.add`, [2, 3]);
      const published = await session.publish(`${run}.chat`, ['from the browser'], {}, { acknowledge: true });
      return { sum, publication: published.id };
    }, run);
    assert.equal(joined.sum, 5, 'the page\'s WAMP call reached the ferry.v1 callee');
    assert.ok(Number.isInteger(joined.publication), 'PUBLISHED carries a publication id');
    assert.equal(await chat.next(), 'from the browser', 'the ferry.v1 subscriber got the page\'s publication');

    // the ferry.v1 peer publishes to the page and calls the page's procedure
    await ferry.publish(`${run}.news`, { headline: 'from ferry.v1' }, { ack: true });
    await ferry.publish(`${run}.news`, ['one', 2], { ack: true });
    await page.waitForFunction(() => window.news.length === 2, null, { timeout: 20000 });
    const news = await page.evaluate(() => window.news);
    assert.deepEqual(news.map((n) => [n.args, n.topic]), [[[], `${run}.news`], [['one', 2], `${run}.news`]]);
    assert.deepEqual(news[0].kwargs, { headline: 'from ferry.v1' }, 'a ferry.v1 object arrives as kwargs');
    assert.equal(await ferry.call(`${run}.upper`, 'shout', { timeout: 20000 }), 'SHOUT', 'the ferry.v1 call reached the page');
    await page.evaluate(() => window.session.leave());
    assert.deepEqual(errors, []);
  } finally {
    ferry.close();
    await page.close();
  }
});
