// Copies the browser libraries of the admin console from node_modules (as `npm ci` installs them at the versions
// package-lock.json pins) to the served resources, web/vendor/, where they are checked in: the server needs no
// build step and no network at run time. `node vendor.mjs --check` copies nothing and exits 1 when a checked-in
// file differs from the npm one (VendoredAssetsTest checks the same).
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, '..', 'resources', 'web', 'vendor');

/** [file in node_modules, name in web/vendor/]: the library, its stylesheet and its license. */
export const FILES = [
  ['uplot/dist/uPlot.iife.min.js', 'uPlot.iife.min.js'],
  ['uplot/dist/uPlot.min.css', 'uPlot.min.css'],
  ['uplot/LICENSE', 'uPlot.LICENSE'],
];

const check = process.argv.includes('--check');
let differ = 0;
mkdirSync(target, { recursive: true });
for (const [from, to] of FILES) {
  const source = join(here, 'node_modules', from);
  if (!existsSync(source)) {
    console.error(`${source} is missing: run npm ci in ${here} first`);
    process.exit(2);
  }
  const dest = join(target, to);
  if (check) {
    const same = existsSync(dest) && readFileSync(source).equals(readFileSync(dest));
    console.log(`${same ? 'same' : 'DIFFERS'} web/vendor/${to} <- ${from}`);
    differ += same ? 0 : 1;
  } else {
    copyFileSync(source, dest);
    console.log(`copied ${from} -> web/vendor/${to}`);
  }
}
process.exit(differ ? 1 : 0);
