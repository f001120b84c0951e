// One headless Chromium per test file (Debian's chromium driven by playwright-core, no browser download), with a
// fresh profile: `const browser = launchChromium();` at the top of a file registers its start and stop, then
// `browser.newPage()` in the tests. FERRY_CHROMIUM is the browser (default /usr/bin/chromium).
import { before, after } from 'node:test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { httpUrl } from '../helpers.js';

const executablePath = process.env.FERRY_CHROMIUM || '/usr/bin/chromium';

/** Why the browser tests cannot run here (a server and a browser are needed), or false. */
export const skip = !httpUrl ? 'FERRY_HTTP_URL is not set'
  : !existsSync(executablePath) ? `no Chromium at ${executablePath} (apt-get install chromium, or set FERRY_CHROMIUM)` : false;

export function launchChromium() {
  let context;
  let profile;
  before(async () => {
    if (skip) return;
    profile = mkdtempSync(join(tmpdir(), 'ferry-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  after(async () => {
    if (context) await context.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });
  return { newPage: () => context.newPage() };
}
