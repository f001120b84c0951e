// The admin console: a page over the server API (/v1/admin/..., docs/http-api.md, "Server API") and, for the live
// tail, over ferry.v1 (docs/protocol.md). The key stays in this tab's sessionStorage and goes out only to this
// server: as Authorization: Bearer on API requests, and as access_token on the tail's WebSocket (browsers cannot
// set headers there). Text from the server is only ever set as textContent. Every failure is shown at the top of
// the page, per source, until that source works again.
/* global uPlot */
const $ = (id) => document.getElementById(id);
const KEY_ITEM = 'ferry.admin.key';
/** The overview samples GET /v1/admin/stats this often; the tables are read every TABLE_MS. */
const SAMPLE_MS = 1000;
const TABLE_MS = 2000;
/** The charts keep this many seconds. */
const WINDOW_S = 300;
/** The live tail keeps this many messages on the page. */
const TAIL_KEEP = 200;

let key = sessionStorage.getItem(KEY_ITEM);
const timers = [];

// ------------------------------------------------------------ errors

const shownErrors = new Map();

/** Shows `error` for `source` (one line per source, replaced by its next error). */
function report(source, error) {
  let li = shownErrors.get(source);
  if (!li) {
    li = document.createElement('li');
    shownErrors.set(source, li);
    $('errors').appendChild(li);
  }
  const label = document.createElement('b');
  label.textContent = source + ':';
  li.replaceChildren(label, document.createTextNode(String((error && error.message) || error)));
}

/** Removes the line of `source`, which works again. */
function resolved(source) {
  const li = shownErrors.get(source);
  if (li) {
    li.remove();
    shownErrors.delete(source);
  }
}

// ------------------------------------------------------------ the API

class ApiError extends Error {
  constructor(status, body, path) {
    super(`${status} ${(body && body.code) || ''} ${(body && body.message) || ''} (${path})`.replace(/ +/g, ' '));
    this.status = status;
    this.body = body;
  }
}

/** A request to this server with the key; resolves to the parsed JSON answer, rejects with an ApiError. */
async function api(path, { method = 'GET', body, query } = {}) {
  const init = { method, headers: { Authorization: 'Bearer ' + key } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const url = query ? `${path}?${new URLSearchParams(query)}` : path;
  const r = await fetch(url, init);
  const text = await r.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = { message: text.slice(0, 200) };
  }
  if (!r.ok) throw new ApiError(r.status, json, path);
  return json;
}

/** Runs `task` now and every `ms`, never two at once; its failures are reported under `source`. */
function every(ms, source, task) {
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      await task();
      resolved(source);
    } catch (e) {
      report(source, e);
    } finally {
      running = false;
    }
  };
  run();
  timers.push(setInterval(run, ms));
}

// ------------------------------------------------------------ formatting and tables

const int = (n) => (n == null ? '–' : Math.round(n).toLocaleString('en'));
const rate = (n) => (n == null ? '–' : n < 10 ? n.toFixed(1) : Math.round(n).toLocaleString('en'));
const bytes = (n) => (n == null ? '–' : n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB`
  : `${(n / 1048576).toFixed(1)} MiB`);
const duration = (s) => (s == null ? '–' : s < 60 ? `${Math.round(s)} s` : s < 3600 ? `${Math.floor(s / 60)} min`
  : s < 86400 ? `${(s / 3600).toFixed(1)} h` : `${(s / 86400).toFixed(1)} d`);
const who = (identity) => (identity ? identity.kind + (identity.name ? ' ' + identity.name : '') : '');

/**
 * Makes `tbody` show one row per item, keyed by `keyOf`, updating rows in place (a button being clicked is not
 * replaced under the pointer). `cells(item)` gives each cell as text, or as {text, cls}; `action(item)`, when given,
 * makes the last cell's content once per row.
 */
function syncRows(tbody, items, keyOf, cells, action, emptyText = 'none') {
  const seen = new Set();
  let before = tbody.firstElementChild;
  if (before && before.dataset.empty) {
    before.remove();
    before = tbody.firstElementChild;
  }
  for (const item of items) {
    const k = String(keyOf(item));
    seen.add(k);
    let row = tbody.querySelector(`:scope > tr[data-key="${CSS.escape(k)}"]`);
    const values = cells(item);
    if (!row) {
      row = document.createElement('tr');
      row.dataset.key = k;
      for (let i = 0; i < values.length; i++) row.appendChild(document.createElement('td'));
      if (action) {
        const td = document.createElement('td');
        td.appendChild(action(item));
        row.appendChild(td);
      }
    }
    values.forEach((v, i) => {
      const td = row.children[i];
      const text = v && typeof v === 'object' ? v.text : String(v ?? '');
      const cls = v && typeof v === 'object' ? v.cls || '' : '';
      if (td.textContent !== text) td.textContent = text;
      if (td.className !== cls) td.className = cls;
    });
    if (row !== before) tbody.insertBefore(row, before);
    else before = before.nextElementSibling;
  }
  for (const row of [...tbody.children]) {
    if (!seen.has(row.dataset.key)) row.remove();
  }
  if (!items.length) {
    const row = document.createElement('tr');
    row.dataset.empty = 'true';
    const td = document.createElement('td');
    td.colSpan = tbody.closest('table').querySelectorAll('thead th').length;
    td.className = 'empty';
    td.textContent = emptyText;
    row.appendChild(td);
    tbody.appendChild(row);
  }
}

function button(text, label, onClick, cls) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.setAttribute('aria-label', label);
  if (cls) b.className = cls;
  b.addEventListener('click', onClick);
  return b;
}

// ------------------------------------------------------------ overview: tiles and charts

const charts = {};

function chart(id, series) {
  const el = $(id);
  const height = 170;
  const opts = {
    width: Math.max(300, el.clientWidth),
    height,
    scales: { x: { time: true } },
    axes: [{ stroke: '#5b6475' }, { stroke: '#5b6475', size: 54 }],
    series: [{}, ...series.map(([label, color]) => ({
      label, stroke: color, width: 1.5, fill: color + '18', value: (u, v) => (v == null ? '–' : rate(v)),
    }))],
  };
  const data = [[], ...series.map(() => [])];
  const plot = new uPlot(opts, data, el);
  new ResizeObserver(() => plot.setSize({ width: Math.max(300, el.clientWidth), height })).observe(el);
  return { plot, data };
}

function plot(c, t, values) {
  c.data[0].push(t);
  values.forEach((v, i) => c.data[i + 1].push(v));
  while (c.data[0].length && c.data[0][0] < t - WINDOW_S) c.data.forEach((a) => a.shift());
  c.plot.setData(c.data);
}

let lastStats = null;

async function sampleStats() {
  const s = await api('/v1/admin/stats');
  const now = performance.now();
  $('node-name').textContent = 'node ' + s.node;
  $('n-connections').textContent = int(s.connections);
  $('n-subscriptions').textContent = int(s.subscriptions);
  $('n-slow').textContent = int(s.slowConsumerCloses);
  $('n-tunnels').textContent = int(s.tunnelsOpen);
  const t = Date.now() / 1000;
  if (lastStats) {
    const dt = Math.max(0.001, (now - lastStats.at) / 1000);
    const per = (field) => Math.max(0, (s[field] - lastStats.s[field]) / dt);
    const r = { pubs: per('publications'), deliveries: per('deliveries'), calls: per('rpcCalls'), errors: per('rpcErrors') };
    $('n-pubs').textContent = rate(r.pubs);
    $('n-deliveries').textContent = rate(r.deliveries);
    $('n-calls').textContent = rate(r.calls);
    $('n-errors').textContent = rate(r.errors);
    plot(charts.messages, t, [r.pubs, r.deliveries]);
    plot(charts.rpc, t, [r.calls, r.errors]);
  }
  plot(charts.load, t, [s.connections, s.subscriptions]);
  lastStats = { at: now, s };
}

const PALETTE = ['#2457c5', '#1b998b', '#e08a00', '#7b4bd1', '#c0392b', '#5b6475', '#0f7fa8', '#a64d79'];
/** Node name to [publications series, deliveries series] of the per-node chart. */
const nodeSeries = new Map();

/** Adds the nodes' rates to the per-node chart, with a pair of series for each node the first time it is seen. */
function plotNodes(nodes) {
  const c = charts.nodes;
  for (const n of nodes) {
    if (nodeSeries.has(n.node)) continue;
    const color = PALETTE[nodeSeries.size % PALETTE.length];
    const pair = [];
    for (const [what, dash] of [['publications/s', undefined], ['deliveries/s', [5, 4]]]) {
      const idx = c.data.length;
      c.data.push(c.data[0].map(() => null));
      c.plot.addSeries({ label: `${n.node} ${what}`, stroke: color, width: 1.5, dash,
        value: (u, v) => (v == null ? '–' : rate(v)) }, idx);
      pair.push(idx);
    }
    nodeSeries.set(n.node, pair);
  }
  const byName = new Map(nodes.filter((n) => n.answered !== false).map((n) => [n.node, n]));
  const values = [];
  for (const [node, [pubs, deliveries]] of nodeSeries) {
    const n = byName.get(node);
    values[pubs - 1] = n ? n.publicationRate : null;
    values[deliveries - 1] = n ? n.deliveryRate : null;
  }
  plot(c, Date.now() / 1000, values);
}

async function readNodes() {
  const r = await api('/v1/admin/nodes');
  plotNodes(r.nodes);
  syncRows($('nodes-body'), r.nodes, (n) => n.node, (n) => n.answered === false
    ? [{ text: n.node, cls: 'mono' }, { text: 'not answering', cls: 'state-unanswered' }, '', '', '', '', '', '']
    : [{ text: n.node + (n.node === r.node ? ' (this one)' : ''), cls: 'mono' }, n.address, n.engine,
      { text: int(n.connections), cls: 'num' }, { text: int(n.subscriptions), cls: 'num' },
      { text: rate(n.publicationRate), cls: 'num' }, { text: rate(n.deliveryRate), cls: 'num' },
      { text: duration(n.uptime), cls: 'num' }]);
}

// ------------------------------------------------------------ connections

let connections = { connections: [], next: null };

async function readConnections() {
  connections = await api('/v1/admin/connections', { query: { limit: 1000 } });
  showConnections();
}

function showConnections() {
  const q = $('search').value.trim().toLowerCase();
  const list = connections.connections.filter((c) => !q || [c.id, who(c.identity), c.transport, c.address,
    ...c.subscriptions].some((f) => String(f || '').toLowerCase().includes(q)));
  $('connections-count').textContent = `${list.length} shown of ${connections.connections.length}`
    + (connections.next ? ' (the first 1000)' : '');
  syncRows($('connections-body'), list, (c) => c.id, (c) => [
    { text: c.id, cls: 'mono' }, who(c.identity), c.transport, { text: c.address || '', cls: 'mono' },
    new Date(c.connectedAt).toLocaleTimeString(), { text: c.subscriptions.join(' '), cls: 'mono' },
    { text: `${int(c.messagesIn)} / ${int(c.messagesOut)}`, cls: 'num' }, { text: bytes(c.queuedBytes), cls: 'num' },
  ], (c) => button('Disconnect', `Disconnect ${c.id}`, () => disconnect(c.id), 'danger'), 'no connection');
}

/** Closes one connection with the code, reason and ban of the options above the table. */
async function disconnect(id) {
  const out = $('dc-result');
  try {
    const body = { code: Number($('dc-code').value), reason: $('dc-reason').value, ban: Number($('dc-ban').value) };
    const r = await api(`/v1/admin/connections/${encodeURIComponent(id)}/disconnect`, { method: 'POST', body });
    out.textContent = `closed ${id} with ${body.code}` + (r.bannedUntil ? `, its user banned until ${new Date(r.bannedUntil).toLocaleTimeString()}` : '');
    resolved('disconnect');
    connections.connections = connections.connections.filter((c) => c.id !== id);
    showConnections();
  } catch (e) {
    report('disconnect', e);
  }
}

// ------------------------------------------------------------ topics

async function readTopics() {
  const r = await api('/v1/admin/topics');
  const tail = (name) => button('Tail', `Tail ${name}`, () => startTail(name), 'quiet');
  syncRows($('active-body'), r.active || [], (t) => t.topic, (t) => [
    { text: t.topic, cls: 'mono' }, { text: rate(t.rate), cls: 'num' }, { text: int(t.subscribers), cls: 'num' },
    { text: int(t.history), cls: 'num' },
  ], (t) => tail(t.topic), 'no topic published to lately');
  syncRows($('patterns-body'), r.topics, (t) => t.pattern, (t) => [
    { text: t.pattern, cls: 'mono' }, { text: int(t.subscribers), cls: 'num' },
  ], (t) => tail(t.pattern), 'no subscription');
}

// The live tail: a ferry.v1 connection of its own, subscribed to one topic or pattern.
let tail = null;

function startTail(topic) {
  stopTail();
  $('tail-topic').value = topic;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/ws?access_token=${encodeURIComponent(key)}`;
  const ws = new WebSocket(url, 'ferry.v1');
  ws.binaryType = 'arraybuffer';
  tail = { ws, topic };
  $('tail-state').textContent = `connecting to tail ${topic}…`;
  $('tail-start').disabled = true;
  $('tail-stop').disabled = false;
  ws.onopen = () => ws.send(JSON.stringify({ type: 'sub', id: 1, topic }));
  $('topic-detail').hidden = !concrete(topic);
  $('clear-result').textContent = '';
  if (concrete(topic)) {
    readTopic(topic);
    topicTimer = setInterval(() => readTopic(topic), TABLE_MS);
  }
  ws.onmessage = (e) => {
    if (typeof e.data !== 'string') {
      logTail(topic, `(a binary message of ${e.data.byteLength} bytes)`);
      return;
    }
    for (const line of e.data.split('\n')) {
      if (line) onTailFrame(ws, JSON.parse(line));
    }
  };
  ws.onclose = (e) => {
    if (tail && tail.ws === ws) {
      tail = null;
      stopTail();
      if (e.code !== 1000) report('live tail', `the connection closed: ${e.code} ${e.reason || ''}`);
    }
  };
}

/** A concrete topic (no wildcard word) has details and a history to clear; a pattern has neither. */
const concrete = (topic) => !topic.split('.').some((w) => w === '*' || w === '#');
let topicTimer = null;

async function readTopic(topic) {
  try {
    const t = await api(`/v1/admin/topics/${encodeURIComponent(topic)}`);
    $('t-subscribers').textContent = int(t.subscribers);
    $('t-rate').textContent = rate(t.rate);
    $('t-offset').textContent = int(t.offset);
    $('t-history').textContent = int(t.history);
    $('t-epoch').textContent = t.epoch || '(none yet)';
    resolved('topic');
  } catch (e) {
    report('topic', e);
  }
}

let clearArmed = null;

/** The first click arms the button for five seconds; a second one clears the topic's history. */
async function clearHistory() {
  const b = $('clear-history');
  const topic = tail && tail.topic;
  if (!topic) return;
  if (clearArmed !== topic) {
    clearArmed = topic;
    b.textContent = `Click again to clear ${topic}`;
    setTimeout(() => {
      if (clearArmed === topic) {
        clearArmed = null;
        b.textContent = 'Clear history…';
      }
    }, 5000);
    return;
  }
  clearArmed = null;
  b.textContent = 'Clear history…';
  const out = $('clear-result');
  try {
    const r = await api(`/v1/admin/topics/${encodeURIComponent(topic)}/history`, { method: 'DELETE' });
    out.className = '';
    out.textContent = `cleared ${r.cleared} publication${r.cleared === 1 ? '' : 's'}: the next one starts a new epoch`;
    readTopic(topic);
  } catch (e) {
    out.className = 'bad';
    out.textContent = String(e.message || e);
  }
}

function onTailFrame(ws, f) {
  if (f.type === 'result' && f.id === 1) {
    resolved('live tail');
    $('tail-state').textContent = `tailing ${tail ? tail.topic : ''}`;
    $('tail-state').dataset.state = 'tailing';
  } else if (f.type === 'error') {
    report('live tail', `${f.code}: ${f.message}`);
    if (f.id === 1) ws.close(1000);
  } else if (f.type === 'msg') {
    logTail(f.topic, JSON.stringify(f.data), f.offset);
  }
}

function logTail(topic, text, offset) {
  const li = document.createElement('li');
  const meta = document.createElement('span');
  meta.className = 'meta';
  meta.textContent = `${new Date().toLocaleTimeString()} ${topic}${offset != null ? ' #' + offset : ''}`;
  const data = document.createElement('span');
  data.className = 'data';
  data.textContent = text;
  li.append(meta, data);
  const log = $('tail-log');
  log.prepend(li);
  while (log.children.length > TAIL_KEEP) log.lastElementChild.remove();
}

function stopTail() {
  clearInterval(topicTimer);
  topicTimer = null;
  $('topic-detail').hidden = true;
  if (tail) {
    const { ws } = tail;
    tail = null;
    ws.close(1000);
  }
  $('tail-start').disabled = false;
  $('tail-stop').disabled = true;
  $('tail-state').textContent = 'not tailing';
  delete $('tail-state').dataset.state;
}

async function publish() {
  const out = $('publish-result');
  out.className = '';
  try {
    const topics = $('publish-topics').value.split(',').map((t) => t.trim()).filter(Boolean);
    let data;
    try {
      data = JSON.parse($('publish-data').value);
    } catch (e) {
      throw new Error('the data is not JSON: ' + e.message);
    }
    const r = await api('/v1/admin/broadcast', { method: 'POST', body: { topics, data } });
    out.textContent = r.results.map((x) => `${x.topic}: ${x.error ? 'failed, ' + x.error : 'offset ' + x.offset}`).join('; ');
    if (r.results.some((x) => x.error)) out.className = 'bad';
  } catch (e) {
    out.textContent = String(e.message || e);
    out.className = 'bad';
  }
}

// ------------------------------------------------------------ procedures

async function readProcedures() {
  const r = await api('/v1/admin/procedures');
  syncRows($('procedures-body'), r.procedures, (p) => p.proc, (p) => [
    { text: p.proc, cls: 'mono' }, { text: int(p.callees), cls: 'num' }, p.invoke, { text: int(p.calls), cls: 'num' },
    { text: rate(p.rate), cls: 'num' },
  ], (p) => button('Call…', `Call ${p.proc}`, () => {
    $('call-proc').value = p.proc;
    $('call-args').focus();
  }, 'quiet'), 'no procedure registered');
}

async function call() {
  const out = $('call-result');
  out.className = 'result';
  out.textContent = 'calling…';
  try {
    const proc = $('call-proc').value.trim();
    const args = $('call-args').value.trim();
    try {
      JSON.parse(args);
    } catch (e) {
      throw new Error('the arguments are not JSON: ' + e.message);
    }
    const r = await api(`/v1/call/${encodeURIComponent(proc)}`, { method: 'POST', body: args,
      query: { timeout: $('call-timeout').value || 5000 } });
    out.textContent = JSON.stringify(r, null, 2);
  } catch (e) {
    out.textContent = String(e.message || e);
    out.className = 'result bad';
  }
}

// ------------------------------------------------------------ tunnels, bridges, configuration

async function readLinks() {
  const [t, b] = await Promise.all([api('/v1/admin/tunnels'), api('/v1/admin/bridges')]);
  syncRows($('tunnels-body'), t.tunnels, (r) => r.path, (r) => [
    { text: r.name, cls: 'mono' }, r.kind, { text: r.path, cls: 'mono' }, { text: r.upstream + (r.tls ? ' (TLS)' : ''), cls: 'mono' },
    r.auth, { text: `${int(r.open)} / ${int(r.maxConnections)}`, cls: 'num' }, { text: int(r.accepted), cls: 'num' },
    { text: int(r.refused), cls: 'num' }, { text: `${bytes(r.bytesFromWebSocket)} / ${bytes(r.bytesToWebSocket)}`, cls: 'num' },
  ], null, 'no tunnel route configured');
  syncRows($('bridges-body'), b.bridges, (x) => x.extension + '/' + x.name, (x) => {
    const { extension, name, state, ...details } = x;
    return [{ text: name, cls: 'mono' }, extension, { text: state, cls: 'state-' + state },
      { text: Object.entries(details).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(' ') : v}`).join(', '), cls: 'mono' }];
  }, null, 'no bridge configured');
}

/** The configuration as dotted keys: {"websocket": {"max-message-bytes": 1}} is websocket.max-message-bytes. */
function flatten(value, prefix, out) {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (Array.isArray(value) && value.some((v) => v && typeof v === 'object')) {
    value.forEach((v, i) => flatten(v, `${prefix}.${(v && v.name) || i}`, out));
  } else {
    const text = Array.isArray(value) ? (value.length ? value.join(', ') : '(none)')
      : value === null ? '(not set)' : value === '' ? '(empty)' : String(value);
    out.push([prefix, text]);
  }
  return out;
}

let configRows = [];

/**
 * POST /v1/admin/reload, and what it did: applied (with the settings it changed), restart needed (with those that
 * wait for it), or refused (the file's error, or a server without a configuration file). The tables follow.
 */
async function reloadConfig() {
  const out = $('reload-result');
  const button = $('config-apply');
  button.disabled = true;
  out.hidden = false;
  out.className = 'reload-result';
  out.textContent = 'Reloading...';
  const list = (xs) => (xs && xs.length ? xs.join(', ') : 'nothing');
  try {
    const r = await api('/v1/admin/reload', { method: 'POST' });
    if (r.result === 'restart_needed') {
      out.className = 'reload-result restart';
      out.textContent = `Restart needed: version ${r.version} in force; changed: ${list(r.changed)}; `
        + `waiting for a restart: ${list(r.restart_needed)}`;
    } else {
      out.className = 'reload-result applied';
      out.textContent = `Applied: version ${r.version} in force; changed: ${list(r.changed)}`;
    }
  } catch (e) {
    out.className = 'reload-result refused';
    const why = (e.body && e.body.message) || e.message;
    out.textContent = e.status === 422 ? `Refused: the running configuration stays. ${why}`
      : `Refused (${e.status || 'no answer'}): ${why}`;
  } finally {
    button.disabled = false;
  }
  await Promise.allSettled([readConfig(), readLinks()]);
}

async function readConfig() {
  try {
    configRows = flatten(await api('/v1/admin/config'), '', []);
    resolved('configuration');
    showConfig();
  } catch (e) {
    report('configuration', e);
  }
}

function showConfig() {
  const q = $('config-filter').value.trim().toLowerCase();
  syncRows($('config-body'), configRows.filter(([k, v]) => !q || k.includes(q) || v.toLowerCase().includes(q)),
    ([k]) => k, ([k, v]) => [{ text: k, cls: 'mono' }, { text: v, cls: 'mono' }], null, 'no key matches');
}

// ------------------------------------------------------------ log in and out

async function start() {
  try {
    await api('/v1/admin/stats');
  } catch (e) {
    report('log in', e.status === 401 || e.status === 403 ? `${e.message}: this key or token may not operate the server` : e);
    sessionStorage.removeItem(KEY_ITEM);
    return;
  }
  resolved('log in');
  sessionStorage.setItem(KEY_ITEM, key);
  $('login').hidden = true;
  $('console').hidden = false;
  $('nav').hidden = false;
  $('logout').hidden = false;
  charts.messages = chart('chart-messages', [['publications/s', '#2457c5'], ['deliveries/s', '#1b998b']]);
  charts.rpc = chart('chart-rpc', [['calls/s', '#7b4bd1'], ['errors/s', '#c0392b']]);
  charts.load = chart('chart-load', [['connections', '#2457c5'], ['subscriptions', '#e08a00']]);
  charts.nodes = chart('chart-nodes', []);
  every(SAMPLE_MS, 'overview', sampleStats);
  every(TABLE_MS, 'nodes', readNodes);
  every(TABLE_MS, 'connections', readConnections);
  every(TABLE_MS, 'topics', readTopics);
  every(TABLE_MS, 'procedures', readProcedures);
  every(TABLE_MS, 'tunnels and bridges', readLinks);
  await readConfig();
  document.body.dataset.ready = 'true';
}

$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  key = $('key').value.trim();
  if (key) start();
});
$('logout').addEventListener('click', () => {
  sessionStorage.removeItem(KEY_ITEM);
  timers.forEach(clearInterval);
  stopTail();
  location.reload();
});
$('search-form').addEventListener('submit', (e) => e.preventDefault());
$('disconnect-options').addEventListener('submit', (e) => e.preventDefault());
$('search').addEventListener('input', showConnections);
$('tail-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const topic = $('tail-topic').value.trim();
  if (topic) startTail(topic);
});
$('tail-stop').addEventListener('click', stopTail);
$('clear-history').addEventListener('click', clearHistory);
$('publish-form').addEventListener('submit', (e) => {
  e.preventDefault();
  publish();
});
$('call-form').addEventListener('submit', (e) => {
  e.preventDefault();
  call();
});
$('config-form').addEventListener('submit', (e) => e.preventDefault());
$('config-filter').addEventListener('input', showConfig);
$('config-reload').addEventListener('click', readConfig);
$('config-apply').addEventListener('click', reloadConfig);
if (key) start();
