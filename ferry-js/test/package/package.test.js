// The package as a user gets it: `npm pack` makes the tarball, which is installed offline into a clean folder
// (ferry-js has no runtime dependencies, so nothing is fetched), and used there once with `import` and once with
// `require` against the server at FERRY_HTTP_URL. The `ws` module these consumers pass as their WebSocket comes
// from ferry-js's own devDependencies (Node 20 has no WebSocket of its own).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, readFile, access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { httpUrl, needsServer } from '../helpers.js';

const run = promisify(execFile);
const project = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const TIMEOUT = 120000;

let work;
let tarball;
let consumer;

// What both consumers do with the module they loaded: pub/sub with an acknowledgement, then RPC.
const SCENARIO = `
module.exports = async function scenario(lib, WebSocket, httpUrl, label) {
  const ferry = new lib.Ferry(httpUrl.replace(/^http/, 'ws') + '/v1/ws', { WebSocket });
  try {
    const topic = 'pkg.' + label + '.' + process.pid;
    let received;
    const message = new Promise((resolve) => { received = resolve; });
    await ferry.subscribe(topic, (data) => received(data));
    const ack = await ferry.publish(topic, { from: label }, { ack: true });
    const data = await message;
    await ferry.register(topic + '.add', ([a, b]) => a + b);
    const sum = await ferry.call(topic + '.add', [2, 3], { timeout: 20000 });
    return { offset: ack.offset, data, sum, matches: lib.matches('pkg.#', topic), error: new lib.FerryError('x').name };
  } finally {
    ferry.close();
  }
};
`;

const ESM = `
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as lib from 'ferry-js';
const require = createRequire(import.meta.url);
const scenario = require('./scenario.cjs');
const { WebSocket } = require(process.env.FERRY_WS_MODULE);
const result = await scenario(lib, WebSocket, process.env.FERRY_HTTP_URL, 'esm');
console.log(JSON.stringify({ entry: fileURLToPath(import.meta.resolve('ferry-js')), ...result }));
`;

const CJS = `
const lib = require('ferry-js');
const scenario = require('./scenario.cjs');
const { WebSocket } = require(process.env.FERRY_WS_MODULE);
scenario(lib, WebSocket, process.env.FERRY_HTTP_URL, 'cjs').then(
  (result) => console.log(JSON.stringify({ entry: require.resolve('ferry-js'), ...result })),
  (e) => { console.error(e); process.exit(1); });
`;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'ferry-js-package-'));
  const { stdout } = await run(npm, ['pack', '--json', '--pack-destination', work], { cwd: project, timeout: TIMEOUT });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('[')));
  tarball = join(work, packed.filename);
  consumer = join(work, 'consumer');
  await mkdir(consumer);
  await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  await run(npm, ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: consumer, timeout: TIMEOUT });
  await writeFile(join(consumer, 'scenario.cjs'), SCENARIO);
  await writeFile(join(consumer, 'esm.mjs'), ESM);
  await writeFile(join(consumer, 'cjs.cjs'), CJS);
}, { timeout: TIMEOUT });

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

test('the tarball holds the ES modules, the CommonJS entry and both type declarations, nothing else', async () => {
  const { stdout } = await run('tar', ['-tzf', tarball]);
  const files = stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, '')).sort();
  for (const f of ['package.json', 'README.md', 'src/index.js', 'src/ferry.js', 'src/index.d.ts', 'dist/index.cjs', 'dist/index.d.cts']) {
    assert.ok(files.includes(f), `${f} in ${files.join(', ')}`);
  }
  assert.deepEqual(files.filter((f) => !/^(package\.json|README\.md|src\/[\w-]+\.(js|d\.ts)|dist\/index\.(cjs|d\.cts))$/.test(f)), []);
});

test('the exports map of the installed package names files that are there', async () => {
  const installed = join(consumer, 'node_modules', 'ferry-js');
  const pkg = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8'));
  const targets = [pkg.main, pkg.types, ...Object.values(pkg.exports['.']).flatMap((c) => [c.types, c.default])];
  assert.equal(targets.length, 6);
  for (const t of targets) await access(join(installed, t));
});

for (const [label, script, entry] of [['import', 'esm.mjs', 'src/index.js'], ['require', 'cjs.cjs', 'dist/index.cjs']]) {
  test(`a clean project uses the installed package with ${label}`, needsServer, async () => {
    const ws = createRequire(import.meta.url).resolve('ws');
    const { stdout } = await run(process.execPath, [script], {
      cwd: consumer,
      timeout: TIMEOUT,
      env: { ...process.env, FERRY_HTTP_URL: httpUrl, FERRY_WS_MODULE: ws, NODE_PATH: '' },
    });
    const result = JSON.parse(stdout.trim().split('\n').pop());
    assert.equal(result.entry, join(consumer, 'node_modules', 'ferry-js', entry));
    assert.deepEqual(result.data, { from: label === 'import' ? 'esm' : 'cjs' });
    assert.equal(result.offset, 1);
    assert.equal(result.sum, 5);
    assert.equal(result.matches, true);
    assert.equal(result.error, 'FerryError');
  });
}

test('the server still serves the browser build, the same modules as the tarball\'s, at /ferry-js/', needsServer, async () => {
  const installed = join(consumer, 'node_modules', 'ferry-js', 'src');
  for (const module of ['index.js', 'ferry.js']) {
    const served = await fetch(`${httpUrl}/ferry-js/${module}`);
    assert.equal(served.status, 200);
    assert.match(served.headers.get('content-type'), /javascript/);
    assert.equal(await served.text(), await readFile(join(installed, module), 'utf8'));
  }
});
