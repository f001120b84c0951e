// The multiplexer load test (docs/benchmarks.md, "Multiplexer against plain sockets"): N sockets over one
// multiplexed WebSocket against N plain WebSockets, opened and driven by the same code; only the constructor
// differs (`M.WebSocket` or `WebSocket`). `window.loadtest.run(n)` runs both modes for one N and resolves with
// their results; the page's form does the same for a list of N.
import { MultiWebSocket } from '/ferry-js/index.js';

const LATENCY_ROUNDS = 10;
const WINDOW = 8;
const RATE_MESSAGES = 12000;
const OPEN_TIMEOUT_MS = 60000;
const PHASE_TIMEOUT_MS = 120000;

const wsOrigin = location.origin.replace(/^http/, 'ws');

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const round = (x, digits = 1) => (x == null ? null : Math.round(x * 10 ** digits) / 10 ** digits);

/** Opens one socket per URL; resolves when each has opened or failed, with the time the last one opened. */
async function openAll(open, urls) {
  const t0 = performance.now();
  const sockets = urls.map((u) => open(u));
  const opened = await Promise.all(sockets.map((s) => new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), OPEN_TIMEOUT_MS);
    s.addEventListener('open', () => { clearTimeout(timer); resolve(performance.now()); }, { once: true });
    s.addEventListener('close', () => { clearTimeout(timer); resolve(null); }, { once: true });
  })));
  const ok = sockets.filter((s, i) => opened[i] !== null);
  const last = Math.max(t0, ...opened.filter((t) => t !== null));
  return { sockets, ok, setupMs: last - t0 };
}

/**
 * Sends `perSocket` messages on every socket, at most `window` in flight on each, and times each one's round trip
 * (a socket receives its own publications, in order). Resolves with the latencies and the elapsed time.
 */
function drive(sockets, perSocket, window) {
  return new Promise((resolve) => {
    const latencies = [];
    const t0 = performance.now();
    let pending = sockets.length;
    let lost = 0;
    const finish = () => {
      clearTimeout(timer);
      for (const s of sockets) s.onmessage = null;
      resolve({ latencies, elapsedMs: performance.now() - t0, lost });
    };
    const timer = setTimeout(() => {
      for (const s of sockets) lost += s._waiting.length + (perSocket - s._sent);
      finish();
    }, PHASE_TIMEOUT_MS);
    for (const s of sockets) {
      s._sent = 0;
      s._waiting = [];
      const sendNext = () => {
        s._waiting.push(performance.now());
        s.send(`m${s._sent++}`);
      };
      s.onmessage = () => {
        latencies.push(performance.now() - s._waiting.shift());
        if (s._sent < perSocket) sendNext();
        else if (s._waiting.length === 0 && --pending === 0) finish();
      };
      while (s._sent < Math.min(window, perSocket)) sendNext();
    }
    if (sockets.length === 0) finish();
  });
}

/** One mode: open N sockets with `open(url)`, measure, close them. */
async function measure(mode, n, open) {
  const run = Math.random().toString(36).slice(2, 8);
  const urls = Array.from({ length: n }, (_, i) => `${wsOrigin}/v1/topics/demo/loadtest/${run}/${mode}/c${i}`);
  const { sockets, ok, setupMs } = await openAll(open, urls);
  const result = { n, mode, opened: ok.length, setupMs: round(setupMs) };
  let lost = 0;
  const lat = [];
  for (let r = 0; r < LATENCY_ROUNDS; r++) {
    const d = await drive(ok, 1, 1);
    lat.push(...d.latencies);
    lost += d.lost;
  }
  lat.sort((a, b) => a - b);
  result.latencyP50Ms = round(percentile(lat, 0.5), 2);
  result.latencyP99Ms = round(percentile(lat, 0.99), 2);
  const perSocket = ok.length ? Math.ceil(RATE_MESSAGES / ok.length) : 0;
  const rate = await drive(ok, perSocket, WINDOW);
  lost += rate.lost;
  result.messagesPerSecond = rate.elapsedMs > 0 ? Math.round(rate.latencies.length / (rate.elapsedMs / 1000)) : null;
  result.lost = lost;
  const closed = sockets.map((s) => (s.readyState === 3 ? null
    : new Promise((resolve) => s.addEventListener('close', resolve, { once: true }))));
  for (const s of sockets) if (s.readyState <= 1) s.close();
  await Promise.all(closed.filter(Boolean));
  return result;
}

/** Both modes for one N: over one multiplexed socket, then as N plain sockets. */
async function run(n) {
  const M = new MultiWebSocket('/v1/multiplex');
  await new Promise((resolve, reject) => {
    M.addEventListener('open', resolve, { once: true });
    M.addEventListener('close', () => reject(new Error('the multiplexer socket closed')), { once: true });
  });
  const multiplexed = await measure('multiplexed', n, (url) => new M.WebSocket(url));
  M.close();
  const plain = await measure('plain', n, (url) => new WebSocket(url));
  return [multiplexed, plain];
}

function show(rows) {
  const body = document.getElementById('results');
  for (const r of rows) {
    const tr = document.createElement('tr');
    for (const v of [r.n, r.mode, `${r.opened} of ${r.n}`, r.setupMs, r.latencyP50Ms, r.latencyP99Ms, r.messagesPerSecond, r.lost]) {
      const td = document.createElement('td');
      td.textContent = v == null ? '–' : String(v);
      tr.append(td);
    }
    body.append(tr);
  }
}

async function runAll(list) {
  const status = document.getElementById('status');
  const all = [];
  try {
    for (const n of list) {
      status.dataset.state = 'running';
      status.textContent = `running N = ${n}...`;
      const rows = await run(n);
      show(rows);
      all.push(...rows);
    }
    status.dataset.state = 'done';
    status.textContent = 'done';
  } catch (e) {
    status.dataset.state = 'error';
    status.textContent = String(e.message || e);
    throw e;
  }
  return all;
}

const parse = (s) => String(s).split(',').map((x) => Number.parseInt(x.trim(), 10)).filter((x) => x > 0);

window.loadtest = { run, runAll };

document.getElementById('form').addEventListener('submit', (e) => {
  e.preventDefault();
  runAll(parse(new FormData(e.target).get('n'))).catch(() => {});
});

const params = new URLSearchParams(location.search);
if (params.has('n')) document.querySelector('input[name=n]').value = params.get('n');
if (params.has('run')) runAll(parse(document.querySelector('input[name=n]').value)).catch(() => {});
