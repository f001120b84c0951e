// A reconnect storm with recovery from history (docs/capacity.md, "Reconnect storm"), driven by bench/storm.sh.
//
// CLIENTS ferry.v1 connections on the victim node, each subscribed to one of TOPICS topics; a publisher on a
// surviving node publishes with `ack: true`, round-robin over the topics, at RATE per second. After PRE seconds
// the victim is killed (SIGKILL to its pid). Every client then reconnects, after a random delay of up to JITTER ms,
// to a surviving node (its index modulo their count) and subscribes again with `since` (its last epoch and
// offset), trying again after a back-off when a reconnect fails. A client counts as recovered once the `result` says `recovered: true` and it holds every publication
// acknowledged before the kill; the publisher keeps publishing through the storm. At the end the publisher stops and
// every client must hold every acknowledged publication of its topic, in order, none missing (duplicates across the
// seam are skipped by offset, as docs/protocol.md §4.1 says clients do).
//
// Prints one JSON line with the figures: time from the kill to all resubscribed and to all recovered, CPU ticks of
// the surviving nodes (from /proc) and Redis commands (INFO commandstats, reset at the kill) over that window.
// Only 127.0.0.1. Bounded: gives up after TIMEOUT seconds.
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const require = createRequire(new URL('./peers/package.json', import.meta.url));
const WebSocket = require('ws');

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
    return acc;
}, []));
const victim = args.victim;
const survivors = args.survivors.split(',');
const publishUrl = args.publish ?? survivors[0];
const clients = Number(args.clients ?? 1000);
const topics = Number(args.topics ?? 100);
const rate = Number(args.rate ?? 200);
const pre = Number(args.pre ?? 5);
const jitter = Number(args.jitter ?? 3000);
const timeoutS = Number(args.timeout ?? 120);
const killPid = Number(args['kill-pid']);
const watchPids = (args['watch-pids'] ?? '').split(',').filter(Boolean).map(Number);
const redisPort = args['redis-port'];
for (const u of [victim, publishUrl, ...survivors]) {
    if (!/^ws:\/\/127\.0\.0\.1:\d+\//.test(u)) throw new Error(`not a loopback ws URL: ${u}`);
}

const topic = (i) => `storm.t${i % topics}`;
const ticks = () => watchPids.reduce((t, p) => {
    const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
    return t + Number(f[11]) + Number(f[12]);
}, 0);
const redis = (...cmd) => redisPort ? execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', redisPort, ...cmd]).toString() : '';
const problems = [];
const problem = (what) => { if (problems.length < 20) problems.push(what); };
const started = Date.now();
const deadline = started + timeoutS * 1000;
const acked = new Map();          // topic -> highest acknowledged offset
let ackedAtKill = null;           // snapshot at the kill
let epochOf = new Map();          // topic -> epoch of the acknowledgements
let killAt = 0;
let retries = 0;                  // reconnects that failed and were tried again

class Client {
    constructor(i) {
        this.i = i; this.topic = topic(i); this.epoch = null; this.offset = 0;
        this.replayed = 0; this.resubscribedAt = 0; this.recoveredAt = 0; this.reconnects = 0;
    }
    connect(url, since) {
        return new Promise((resolve) => {
            const ws = new WebSocket(url, ['ferry.v1'], { perMessageDeflate: false });
            this.ws = ws;
            ws.on('open', () => {
                const sub = { type: 'sub', id: 1, topic: this.topic };
                if (since) sub.since = this.epoch ? { offset: this.offset, epoch: this.epoch } : { offset: 0 };
                ws.send(JSON.stringify(sub));
            });
            ws.on('message', (raw) => {
                for (const line of raw.toString().split('\n')) {
                    if (!line) continue;
                    const f = JSON.parse(line);
                    if (f.type === 'result' && f.id === 1) {
                        if (since) {
                            if (f.data.recovered !== true) problem(`client ${this.i}: recovered ${f.data.recovered}`);
                            this.resubscribedAt = Date.now();
                        } else {
                            this.epoch = f.data.epoch ?? null; this.offset = f.data.offset ?? 0;
                        }
                        resolve();
                    } else if (f.type === 'msg') {
                        this.msg(f, since);
                    } else if (f.type === 'error') {
                        problem(`client ${this.i}: ${line}`);
                    }
                }
            });
            ws.on('error', () => {});
            ws.on('close', (code) => {
                resolve();
                if (!killAt || this.ws !== ws || ws.__closedByUs) return;
                if (this.resubscribedAt) problem(`client ${this.i}: closed ${code} after recovering`);
                // the first close is the kill; a later one is a reconnect that failed (refused, reset or timed out
                // on a loaded machine): tried again after a random back-off, as a client library does
                const delay = this.reconnects === 0 ? Math.random() * jitter : 500 + Math.random() * 1000;
                if (this.reconnects > 0) retries++;
                this.reconnects++;
                setTimeout(() => this.connect(survivors[this.i % survivors.length], true), delay);
            });
        });
    }
    msg(f, since) {
        if (this.epoch && f.epoch !== this.epoch) { problem(`client ${this.i}: epoch changed`); this.epoch = f.epoch; }
        this.epoch = f.epoch;
        if (f.offset <= this.offset) return; // the same publication at the seam
        if (f.offset !== this.offset + 1) problem(`client ${this.i}: gap ${this.offset} -> ${f.offset}`);
        this.offset = f.offset;
        if (since) this.replayed++;
        if (since && !this.recoveredAt && ackedAtKill && this.offset >= (ackedAtKill.get(this.topic) ?? 0)) {
            this.recoveredAt = Date.now();
        }
    }
}

async function inBatches(items, n, fn) {
    for (let k = 0; k < items.length; k += n) await Promise.all(items.slice(k, k + n).map(fn));
}

const all = Array.from({ length: clients }, (_, i) => new Client(i));
await inBatches(all, 200, (c) => c.connect(victim, false));
const connectedAt = Date.now();

// the publisher: acknowledged publications, paced in 10 ms ticks
const pub = new WebSocket(publishUrl, ['ferry.v1'], { perMessageDeflate: false });
await new Promise((r, j) => { pub.on('open', r); pub.on('error', j); });
let sent = 0, nextId = 1, stopPublishing = false;
pub.on('message', (raw) => {
    for (const line of raw.toString().split('\n')) {
        if (!line) continue;
        const f = JSON.parse(line);
        if (f.type === 'result' && f.data && f.data.offset) {
            acked.set(f.data.topic, Math.max(acked.get(f.data.topic) ?? 0, f.data.offset));
            epochOf.set(f.data.topic, f.data.epoch);
        } else if (f.type === 'error') {
            problem(`publisher: ${line}`);
        }
    }
});
const pubStart = Date.now();
const ticker = setInterval(() => {
    if (stopPublishing) return;
    const due = Math.floor((Date.now() - pubStart) * rate / 1000);
    const frames = [];
    while (sent < due) {
        frames.push(JSON.stringify({ type: 'pub', id: nextId++, ack: true, topic: topic(sent), data: { n: sent } }));
        sent++;
    }
    if (frames.length) pub.send(frames.join('\n'));
}, 10);

const wait = (ms) => new Promise((r) => setTimeout(r, ms));
const until = async (cond, what) => {
    while (!cond()) {
        if (Date.now() > deadline) throw new Error(`not within ${timeoutS} s: ${what}`);
        await wait(20);
    }
};
await wait(pre * 1000);
// everything acknowledged so far has reached the clients before the kill? not needed: recovery covers the rest
ackedAtKill = new Map(acked);
const acksBefore = [...ackedAtKill.values()].reduce((a, b) => a + b, 0);
redis('CONFIG', 'RESETSTAT');
const t0 = ticks();
killAt = Date.now();
process.kill(killPid, 'SIGKILL');

let result;
try {
    await until(() => all.every((c) => c.resubscribedAt), 'every client resubscribed');
    const resubscribed = Math.max(...all.map((c) => c.resubscribedAt)) - killAt;
    await until(() => all.every((c) => c.recoveredAt || c.offset >= (ackedAtKill.get(c.topic) ?? 0)), 'every client recovered');
    for (const c of all) if (!c.recoveredAt) c.recoveredAt = c.resubscribedAt;
    const recoveredTimes = all.map((c) => c.recoveredAt - killAt).sort((a, b) => a - b);
    const t1 = ticks();
    const stormMs = Date.now() - killAt;
    const stats = redis('INFO', 'commandstats');
    const commands = Object.fromEntries([...stats.matchAll(/cmdstat_(\w+):calls=(\d+)/g)]
        .filter(([, c]) => c !== 'config' && c !== 'info').map(([, c, n]) => [c, Number(n)]));
    stopPublishing = true;
    // every acknowledged publication reaches every client of its topic
    await wait(200);
    await until(() => all.every((c) => c.offset >= (acked.get(c.topic) ?? 0)), 'every acknowledged publication delivered');
    result = {
        bench: 'storm', ok: problems.length === 0, clients, topics, rate, jitter_ms: jitter,
        connect_ms: connectedAt - started, acked_before_kill: acksBefore,
        acked_total: [...acked.values()].reduce((a, b) => a + b, 0),
        all_resubscribed_ms: resubscribed,
        recovered_p50_ms: recoveredTimes[Math.floor(clients * 0.5)],
        recovered_p99_ms: recoveredTimes[Math.floor(clients * 0.99)],
        all_recovered_ms: recoveredTimes[clients - 1],
        received_after_reconnect: all.reduce((a, c) => a + c.replayed, 0), reconnect_retries: retries,
        survivors_cpu_ms: (t1 - t0) * 10, storm_ms: stormMs, redis_commands: commands,
        problems,
    };
} catch (e) {
    result = { bench: 'storm', ok: false, error: String(e.message), problems };
}
stopPublishing = true;
clearInterval(ticker);
for (const c of all) { if (c.ws) { c.ws.__closedByUs = true; c.ws.terminate(); } }
pub.terminate();
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
