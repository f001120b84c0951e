// Drives the multiplexer load test page (/demo/loadtest.html) in headless Chromium against a running
// `ferry serve --demo`, and reports: one JSON line per measurement, a Markdown table of the medians, and an SVG
// chart (docs/benchmarks.md, "Multiplexer against plain sockets"). Run through bench/multiplexer.sh, which starts
// the server; directly:
//
//   node bench/multiplexer.mjs --url http://127.0.0.1:8080 [--n 6,60,600] [--repeat 3] [--out results.jsonl]
//       [--svg chart.svg]
//   node bench/multiplexer.mjs --from results.jsonl [--n 6,60,600] [--svg chart.svg]   # report again, no browser
//
// Needs ferry-js's dev dependencies (npm ci --prefix ferry-js: playwright-core) and Debian's chromium
// (/usr/bin/chromium, or FERRY_CHROMIUM).
import { createRequire } from 'node:module';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(new URL('../ferry-js/package.json', import.meta.url));
const { chromium } = require('playwright-core');

function options(argv) {
  const o = { n: [6, 60, 600], repeat: 3, url: null, out: null, svg: null, from: null };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === '--url') o.url = v.replace(/\/$/, '');
    else if (k === '--n') o.n = v.split(',').map(Number);
    else if (k === '--repeat') o.repeat = Number(v);
    else if (k === '--out') o.out = v;
    else if (k === '--svg') o.svg = v;
    else if (k === '--from') o.from = v;
    else throw new Error(`unknown option ${k} (see the comment at the top of ${import.meta.url})`);
  }
  if (o.from) return o;
  if (!o.url) throw new Error('--url http://127.0.0.1:PORT of a ferry serve --demo is required');
  if (!/^http:\/\/(127\.0\.0\.\d+|\[::1\]|localhost)(:\d+)?$/.test(o.url)) throw new Error('--url must be on loopback');
  return o;
}

const median = (xs) => {
  const s = xs.filter((x) => x != null).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : null;
};

const METRICS = [
  ['setupMs', 'set-up (ms)', 'lower is better, log scale', true],
  ['latencyP50Ms', 'latency p50 (ms)', 'lower is better, log scale', true],
  ['messagesPerSecond', 'messages/s', 'higher is better', false],
];

/**
 * Three panels (one per metric), a pair of bars per N: times on a log scale, the rate on a linear one from 0. A
 * bar of a mode that could not open every socket says how many it opened.
 */
function svgChart(rows, ns) {
  const W = 300;
  const H = 230;
  const top = 40;
  const bottom = 40;
  const left = 50;
  const colors = { multiplexed: '#2b7bb9', plain: '#e08a2e' };
  let out = `<svg xmlns="http://www.w3.org/2000/svg" width="${W * 3 + 20}" height="${H + 30}" font-family="sans-serif" font-size="11">\n`;
  out += `<rect width="100%" height="100%" fill="white"/>\n`;
  out += `<rect x="${left}" y="${H + 10}" width="10" height="10" fill="${colors.multiplexed}"/>`;
  out += `<text x="${left + 14}" y="${H + 19}">multiplexed: N channels over one WebSocket (M.WebSocket)</text>`;
  out += `<rect x="${left + 400}" y="${H + 10}" width="10" height="10" fill="${colors.plain}"/>`;
  out += `<text x="${left + 414}" y="${H + 19}">plain: N WebSockets</text>\n`;
  METRICS.forEach(([key, title, hint, log], p) => {
    const x0 = 10 + p * W;
    const values = rows.map((r) => r[key]).filter((v) => v != null && v > 0);
    const plot = H - top - bottom;
    let y;
    let ticks;
    if (log) {
      const lo = Math.floor(Math.log10(Math.min(...values)));
      const span = Math.max(1, Math.ceil(Math.log10(Math.max(...values))) - lo);
      y = (v) => top + plot * (1 - (Math.log10(v) - lo) / span);
      ticks = Array.from({ length: span + 1 }, (_, i) => 10 ** (lo + i));
    } else {
      const step = 10 ** Math.floor(Math.log10(Math.max(...values)));
      const max = Math.ceil(Math.max(...values) / step) * step;
      y = (v) => top + plot * (1 - v / max);
      ticks = Array.from({ length: Math.round(max / step) + 1 }, (_, i) => i * step);
    }
    out += `<text x="${x0 + left}" y="16" font-weight="bold" font-size="12">${title}</text>`;
    out += `<text x="${x0 + left}" y="30" fill="#666">${hint}</text>\n`;
    for (const t of ticks) {
      const yy = y(t).toFixed(1);
      out += `<line x1="${x0 + left}" x2="${x0 + W - 10}" y1="${yy}" y2="${yy}" stroke="#ddd"/>`;
      out += `<text x="${x0 + left - 4}" y="${yy}" text-anchor="end" dominant-baseline="middle">${t}</text>\n`;
    }
    const group = (W - left - 10) / ns.length;
    ns.forEach((n, i) => {
      const gx = x0 + left + i * group;
      ['multiplexed', 'plain'].forEach((mode, j) => {
        const r = rows.find((row) => row.n === n && row.mode === mode);
        const v = r && r[key];
        const bx = gx + group * 0.15 + j * group * 0.35;
        if (v != null && v > 0) {
          const by = y(v);
          out += `<rect x="${bx.toFixed(1)}" y="${by.toFixed(1)}" width="${(group * 0.33).toFixed(1)}" height="${(H - bottom - by).toFixed(1)}" fill="${colors[mode]}"/>`;
          out += `<text x="${(bx + group * 0.165).toFixed(1)}" y="${(by - 3).toFixed(1)}" text-anchor="middle" font-size="9">${v >= 100 ? Math.round(v) : v}</text>\n`;
          if (r.opened < n) {
            out += `<text x="${(bx + group * 0.165).toFixed(1)}" y="${(by - 13).toFixed(1)}" text-anchor="middle" font-size="9" fill="#a33">${r.opened} open</text>\n`;
          }
        }
      });
      out += `<text x="${(gx + group / 2).toFixed(1)}" y="${H - bottom + 14}" text-anchor="middle">N = ${n}</text>\n`;
    });
    out += `<line x1="${x0 + left}" x2="${x0 + W - 10}" y1="${H - bottom}" y2="${H - bottom}" stroke="#333"/>\n`;
  });
  return out + '</svg>\n';
}

async function main() {
  const o = options(process.argv.slice(2));
  const measured = o.from ? readFileSync(o.from, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : await measure(o);
  report(measured, o);
}

/** Runs the page for each N, `o.repeat` times; returns every measurement. */
async function measure(o) {
  const profile = mkdtempSync(join(tmpdir(), 'ferry-loadtest-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.FERRY_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const measured = [];
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${o.url}/demo/loadtest.html`);
    await page.waitForFunction(() => window.loadtest, null, { timeout: 30000 });
    const version = await page.evaluate(() => navigator.userAgent);
    for (let rep = 1; rep <= o.repeat; rep++) {
      for (const n of o.n) {
        const rows = await page.evaluate((count) => window.loadtest.run(count), n);
        for (const r of rows) {
          const line = { ...r, repeat: rep, browser: version, at: new Date().toISOString() };
          measured.push(line);
          console.error(JSON.stringify(line));
          if (o.out) appendFileSync(o.out, JSON.stringify(line) + '\n');
        }
      }
    }
    if (errors.length) throw new Error('page errors: ' + errors.join('; '));
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  return measured;
}

/** Prints the medians over the repeats as a Markdown table, and writes the chart. */
function report(measured, o) {
  const medians = [];
  for (const n of o.n) {
    for (const mode of ['multiplexed', 'plain']) {
      const rs = measured.filter((r) => r.n === n && r.mode === mode);
      medians.push({
        n, mode,
        opened: median(rs.map((r) => r.opened)),
        setupMs: median(rs.map((r) => r.setupMs)),
        latencyP50Ms: median(rs.map((r) => r.latencyP50Ms)),
        latencyP99Ms: median(rs.map((r) => r.latencyP99Ms)),
        messagesPerSecond: median(rs.map((r) => r.messagesPerSecond)),
        lost: Math.max(...rs.map((r) => r.lost)),
      });
    }
  }
  console.log(`| N | mode | opened | set-up ms | latency p50 ms | latency p99 ms | messages/s | lost |`);
  console.log(`|---|---|---|---|---|---|---|---|`);
  for (const r of medians) {
    console.log(`| ${r.n} | ${r.mode} | ${r.opened} of ${r.n} | ${r.setupMs} | ${r.latencyP50Ms} | ${r.latencyP99Ms} | ${r.messagesPerSecond} | ${r.lost} |`);
  }
  if (o.svg) writeFileSync(o.svg, svgChart(medians, o.n));
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
