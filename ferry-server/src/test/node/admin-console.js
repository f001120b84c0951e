// The admin console (/admin) in headless Chromium, driven by playwright-core, against a real server, with
// independent ferry.v1 clients on Node's ws: the page logs in with an admin key, shows a connection the test opened
// and disconnects it (the client sees the close code and reason set on the page), tails a topic and shows what a
// client publishes, clears the topic's history, publishes from its form (a subscribed client receives it) and
// calls a procedure a client registered. Any console error or uncaught exception of the page fails it.
//
//   node admin-console.js <ws-url> <http-url> <admin key> [<screenshot dir>]
//
// The page's Reload configuration button is pressed and its result checked against FERRY_EXPECT_RELOAD (a regular
// expression); FERRY_BRIDGE and FERRY_BRIDGE_AFTER name bridges the bridges table must show connected before and
// after that reload. With a screenshot directory (or FERRY_SCREENSHOTS), PNGs of the page are written there
// (docs/images/ holds the ones docs/operations.md shows). FERRY_CHROMIUM is the browser (default /usr/bin/chromium).
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { FerryClient, RUN, check, checkEqual, ensure, scenario, show, WAIT_MS } from './lib.js';

const KEY = process.argv[4];
const SHOTS = process.argv[5] || process.env.FERRY_SCREENSHOTS;
const CHROMIUM = process.env.FERRY_CHROMIUM || '/usr/bin/chromium';
const WAIT = { timeout: WAIT_MS };
/** A bridge the bridges table must show connected, before and after the reload the page makes (none: unchecked). */
const BRIDGE = process.env.FERRY_BRIDGE;
const BRIDGE_AFTER = process.env.FERRY_BRIDGE_AFTER;
/** What the Reload configuration button must report (a regular expression; default: any result). */
const EXPECT_RELOAD = new RegExp(process.env.FERRY_EXPECT_RELOAD || '^(Applied|Restart needed|Refused)');

/** The next msg frame on `client` (skipping nothing else: the caller knows what comes). */
async function nextMsg(client, what) {
  const f = await client.nextFrame(what);
  ensure(f.type === 'msg', `${what}: expected a msg`, `got ${show(f)}`);
  return f;
}

scenario('admin-console', async ({ ws: wsUrl, http, track }) => {
  ensure(KEY, 'usage: node admin-console.js <ws-url> <http-url> <admin key> [<screenshot dir>]');
  const profile = mkdtempSync(join(tmpdir(), 'ferry-admin-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1360, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const problems = [];
  try {
    const page = context.pages()[0] || await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));

    // Clients of the test: one to be disconnected, one publisher, one subscriber, one callee.
    const victimTopic = `console.${RUN}.victim`;
    const victim = track(await FerryClient.open(wsUrl, undefined, 'victim'));
    checkEqual((await victim.request({ type: 'sub', id: 1, topic: victimTopic }, 'victim sub')).type, 'result',
      'the client to be disconnected subscribes');
    const callee = track(await FerryClient.open(wsUrl, undefined, 'callee'));
    const proc = `console.${RUN}.add`;
    checkEqual(await callee.request({ type: 'register', id: 1, proc }, 'register'),
      { type: 'result', id: 1, data: { proc } }, `a client registers ${proc}`);

    // Log in.
    await page.goto(`${http}/admin`);
    await page.fill('#key', KEY);
    if (SHOTS) {
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, 'admin-login.png') });
    }
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('body[data-ready=true]', WAIT);
    check(await page.isHidden('#login'), 'the page logs in with the admin key and shows the console');
    check(await page.evaluate(() => sessionStorage.getItem('ferry.admin.key')) === KEY,
      'the key is kept in the tab\'s sessionStorage');

    // The connection opened by the test is listed; its Disconnect button closes it (below).
    const row = page.locator('#connections-body tr', { hasText: victimTopic });
    await row.waitFor(WAIT);
    const victimId = (await row.locator('td').first().textContent()).trim();
    check(/^[0-9a-f]+-\d+$/.test(victimId), `the connections table shows the test's connection (${victimId})`);
    await page.waitForFunction(() => Number(document.getElementById('n-connections').textContent) >= 2, null, WAIT);
    check(true, 'the overview counts the connections');
    const nodeId = victimId.split('-')[0];
    await page.locator('#nodes-body tr', { hasText: `${nodeId} (this one)` }).waitFor(WAIT);
    check(true, 'the nodes table lists this node');

    // Live tail: the page subscribes over ferry.v1 with the key; a client publishes; the page shows it.
    const tailTopic = `console.${RUN}.tail`;
    await page.fill('#tail-topic', tailTopic);
    await page.click('#tail-start');
    await page.waitForSelector('#tail-state[data-state=tailing]', WAIT);
    const publisher = track(await FerryClient.open(wsUrl, undefined, 'publisher'));
    const ack = await publisher.request({ type: 'pub', id: 1, ack: true, topic: tailTopic, data: { hello: 'from the test' } }, 'pub');
    checkEqual(ack.type, 'result', 'a client publishes to the tailed topic');
    await page.locator('#tail-log li', { hasText: '{"hello":"from the test"}' }).waitFor(WAIT);
    check(true, 'the live tail shows the publication');
    await page.locator('#active-body tr', { hasText: tailTopic }).waitFor(WAIT);
    check(true, 'the active topics list the topic published to');
    await page.waitForFunction(() => document.getElementById('t-offset').textContent === '1', null, WAIT);
    check(await page.textContent('#t-subscribers') === '1', 'the topic view shows the topic\'s offset and subscribers');

    // Publish from the form: a subscribed client receives it.
    const inbox = `console.${RUN}.inbox`;
    const listener = track(await FerryClient.open(wsUrl, undefined, 'listener'));
    checkEqual((await listener.request({ type: 'sub', id: 1, topic: inbox }, 'listener sub')).type, 'result',
      'a client subscribes to the topic the form publishes to');
    await page.fill('#publish-topics', inbox);
    await page.fill('#publish-data', '{"from": "the console", "n": 1}');
    await page.click('#publish-form button[type=submit]');
    const got = await nextMsg(listener, 'the form\'s publication');
    checkEqual({ topic: got.topic, data: got.data }, { topic: inbox, data: { from: 'the console', n: 1 } },
      'the client receives what the publish form sent');
    await page.locator('#publish-result', { hasText: `${inbox}: offset 1` }).waitFor(WAIT);
    check(true, 'the page shows the publication\'s offset');

    // The procedure is listed; the call form calls it and shows the result.
    await page.locator('#procedures-body tr', { hasText: proc }).waitFor(WAIT);
    check(true, 'the procedures table lists the registered procedure');
    await page.fill('#call-proc', proc);
    await page.fill('#call-args', '[2, 3]');
    await page.click('#call-form button[type=submit]');
    const inv = await callee.nextFrame('invoke');
    checkEqual({ type: inv.type, proc: inv.proc, args: inv.args }, { type: 'invoke', proc, args: [2, 3] },
      'the callee is invoked with the form\'s arguments');
    await callee.send({ type: 'reply', id: inv.id, data: inv.args[0] + inv.args[1] });
    await page.waitForFunction(() => document.getElementById('call-result').textContent.trim() === '5', null, WAIT);
    check(true, 'the call form shows the result');

    // Tunnels, bridges and the configuration are shown, secrets masked.
    await page.locator('#tunnels-body tr', { hasText: '/v1/tunnel/' }).first().waitFor(WAIT);
    check(true, 'the tunnel routes are listed');
    await page.locator('#config-body tr', { hasText: 'websocket.max-message-bytes' }).waitFor(WAIT);
    const keyRow = await page.locator('#config-body tr', { hasText: 'http.named-keys.console.key' }).textContent();
    check(keyRow.includes('********') && !keyRow.includes(KEY), 'the configuration shows the admin key masked');
    check(!(await page.content()).includes(KEY), 'the key appears nowhere in the page');

    // With FERRY_BRIDGE, the bridges table shows that bridge connected.
    if (BRIDGE) {
      await page.locator('#bridges-body tr', { hasText: BRIDGE }).locator('.state-connected').waitFor(WAIT);
      check(true, `the bridges table shows bridge ${BRIDGE} connected`);
    }
    // The Reload configuration button posts /v1/admin/reload and shows what it did (FERRY_EXPECT_RELOAD: how).
    const before = problems.length;
    await page.click('#config-apply');
    await page.locator('#reload-result', { hasText: EXPECT_RELOAD }).waitFor(WAIT);
    if (EXPECT_RELOAD.source.startsWith('^Refused')) {
      // the browser logs the refusal's status as a failed resource: expected here, and only here
      const refusal = problems.findIndex((p, i) => i >= before && /Failed to load resource: .* status of (422|503)/.test(p));
      if (refusal >= 0) problems.splice(refusal, 1);
    }
    check(true, `the Reload configuration button shows the result: ${(await page.textContent('#reload-result')).trim()}`);
    if (BRIDGE_AFTER) {
      await page.locator('#bridges-body tr', { hasText: BRIDGE_AFTER }).locator('.state-connected').waitFor(WAIT);
      check(true, `after the reload the bridges table shows bridge ${BRIDGE_AFTER} connected`);
    }

    // Let the charts gather a few samples (they are the overview's), then take the pictures.
    await page.waitForFunction(() => document.querySelectorAll('#chart-messages canvas').length > 0, null, WAIT);
    if (SHOTS) {
      await publisher.send(...Array.from({ length: 20 }, (_, i) => ({ type: 'pub', topic: `console.${RUN}.load`, data: i })));
      await publisher.send(...['EUR', 'USD', 'JPY'].map((c, i) => ({ type: 'pub', topic: tailTopic, data: { currency: c, rate: 1 + i / 10 } })));
      await page.waitForTimeout(4000); // what the pictures show: a few seconds of samples
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(SHOTS, 'admin-overview.png') });
      await page.locator('#connections').screenshot({ path: join(SHOTS, 'admin-connections.png') });
      await page.locator('#topics').screenshot({ path: join(SHOTS, 'admin-topics.png') });
      await page.locator('#procedures').screenshot({ path: join(SHOTS, 'admin-procedures.png') });
      await page.locator('#links').screenshot({ path: join(SHOTS, 'admin-tunnels-bridges.png') });
      await page.fill('#config-filter', 'http.');
      await page.locator('#config').screenshot({ path: join(SHOTS, 'admin-config.png') });
      await page.fill('#config-filter', '');
    }

    // Clearing the tailed topic's history takes two clicks.
    await page.click('#clear-history');
    await page.click('#clear-history');
    await page.locator('#clear-result', { hasText: /cleared [1-9][0-9]* publications?/ }).waitFor(WAIT);
    await page.waitForFunction(() => document.getElementById('t-history').textContent === '0', null, WAIT);
    check(true, 'the topic view clears the topic\'s history');
    check(await page.locator('#chart-nodes .u-legend', { hasText: nodeId }).count() === 1,
      'the per-node chart has a series of this node');

    // Last: disconnect the test's connection from its row.
    await page.fill('#dc-code', '4321');
    await page.fill('#dc-reason', 'closed from the console');
    await row.getByRole('button', { name: `Disconnect ${victimId}` }).click();
    const closed = await victim.next('the close');
    checkEqual({ kind: closed.kind, code: closed.code, reason: closed.reason },
      { kind: 'close', code: 4321, reason: 'closed from the console' },
      'the Disconnect button closes the client with the code and reason given');
    await page.locator('#dc-result', { hasText: `closed ${victimId} with 4321` }).waitFor(WAIT);
    await row.waitFor({ state: 'detached', timeout: WAIT_MS });
    check(true, 'the disconnected connection leaves the table');

    await page.click('#tail-stop');
    await page.waitForSelector('#tail-state:not([data-state])', WAIT);
    check(problems.length === 0, 'no console error and no uncaught exception on the page', problems.join('\n    '));
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
