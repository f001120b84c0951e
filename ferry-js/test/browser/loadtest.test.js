// The multiplexer load test page (/demo/loadtest.html, served with --demo) runs in headless Chromium: both modes
// open every socket, lose nothing, and report figures. bench/multiplexer.sh runs it for N = 6, 60, 600.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, skip } from './chromium.js';
import { httpUrl } from '../helpers.js';

const browser = launchChromium();

test('the load test page measures N = 6 over one multiplexed socket and over plain sockets', { skip }, async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(httpUrl + '/demo/loadtest.html?n=6&run');
  await page.waitForSelector('#status[data-state=done]', { timeout: 120000 });
  const rows = await page.$$eval('#results tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.deepEqual(rows.map((r) => r.slice(0, 3)), [['6', 'multiplexed', '6 of 6'], ['6', 'plain', '6 of 6']]);
  for (const r of rows) {
    for (const figure of r.slice(3, 7)) assert.ok(Number(figure) > 0, `${r[1]}: ${r.join(' | ')}`);
    assert.equal(r[7], '0', `${r[1]} lost messages: ${r.join(' | ')}`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});
