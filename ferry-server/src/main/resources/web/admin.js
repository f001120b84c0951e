// The admin console: a page over the server API (/v1/admin/..., docs/http-api.md). The key stays in this tab's
// sessionStorage and goes out only as Authorization: Bearer to this server. Text from the server is only ever set
// as textContent.
const $ = (id) => document.getElementById(id);
const HISTORY = 150; // samples of the chart: five minutes at one every two seconds
const samples = [];
let key = sessionStorage.getItem('ferry.admin.key');
let timer = null;
let last = null;

async function api(path, body) {
  const init = { headers: { Authorization: 'Bearer ' + key } };
  if (body !== undefined) {
    init.method = 'POST';
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  const json = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(`${r.status} ${json.code || ''}: ${json.message || r.statusText}`);
  return json;
}

function cell(row, text) {
  const td = document.createElement('td');
  td.textContent = text;
  row.appendChild(td);
  return td;
}

function who(identity) {
  return identity.kind + (identity.name ? ' ' + identity.name : '');
}

async function refresh() {
  try {
    const user = $('search').value.trim();
    const [conns, topics] = await Promise.all([
      api('/v1/admin/connections?limit=1000' + (user ? '&user=' + encodeURIComponent(user) : '')),
      api('/v1/admin/topics'),
    ]);
    $('error').textContent = '';
    const body = $('connections');
    body.replaceChildren();
    for (const c of conns.connections) {
      const row = document.createElement('tr');
      row.dataset.id = c.id;
      cell(row, c.id);
      cell(row, who(c.identity));
      cell(row, c.transport);
      cell(row, c.address || '');
      cell(row, new Date(c.connectedAt).toLocaleTimeString());
      cell(row, c.subscriptions.join(' '));
      cell(row, `${c.messagesIn} / ${c.messagesOut}`);
      const button = document.createElement('button');
      button.textContent = 'Disconnect';
      button.addEventListener('click', () => disconnect(c.id));
      cell(row, '').appendChild(button);
      body.appendChild(row);
    }
    $('n-connections').textContent = conns.connections.length + (conns.next ? '+' : '');
    const tbody = $('topics');
    tbody.replaceChildren();
    for (const t of topics.topics) {
      const row = document.createElement('tr');
      cell(row, t.pattern);
      cell(row, String(t.subscribers));
      tbody.appendChild(row);
    }
    $('n-patterns').textContent = String(topics.topics.length);
    const now = Date.now();
    if (last) {
      const dt = (now - last.at) / 1000;
      const pubs = Math.max(0, (topics.publications - last.publications) / dt);
      const deliveries = Math.max(0, (topics.deliveries - last.deliveries) / dt);
      samples.push({ pubs, deliveries });
      if (samples.length > HISTORY) samples.shift();
      $('n-pubs').textContent = pubs.toFixed(1);
      $('n-deliveries').textContent = deliveries.toFixed(1);
      draw();
    }
    last = { at: now, publications: topics.publications, deliveries: topics.deliveries };
  } catch (e) {
    $('error').textContent = String(e.message || e);
  }
}

function draw() {
  const canvas = $('chart');
  const g = canvas.getContext('2d');
  g.clearRect(0, 0, canvas.width, canvas.height);
  const max = Math.max(1, ...samples.map((s) => Math.max(s.pubs, s.deliveries)));
  const line = (field, color) => {
    g.strokeStyle = color;
    g.beginPath();
    samples.forEach((s, i) => {
      const x = (i / (HISTORY - 1)) * canvas.width;
      const y = canvas.height - (s[field] / max) * (canvas.height - 10);
      if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
    });
    g.stroke();
  };
  line('pubs', '#2a6fdb');
  line('deliveries', '#1b998b');
  g.fillStyle = '#1d2433';
  g.fillText(`max ${max.toFixed(1)}/s — blue: publications, green: deliveries`, 6, 12);
}

async function disconnect(id) {
  try {
    await api(`/v1/admin/connections/${encodeURIComponent(id)}/disconnect`, {});
    await refresh();
  } catch (e) {
    $('error').textContent = String(e.message || e);
  }
}

async function start() {
  try {
    await api('/v1/admin/topics');
  } catch (e) {
    $('error').textContent = 'log in failed: ' + (e.message || e);
    sessionStorage.removeItem('ferry.admin.key');
    return;
  }
  sessionStorage.setItem('ferry.admin.key', key);
  $('login').classList.add('hidden');
  $('console').classList.remove('hidden');
  $('logout').classList.remove('hidden');
  await refresh();
  timer = setInterval(refresh, 2000);
}

$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  key = $('key').value.trim();
  if (key) start();
});
$('logout').addEventListener('click', () => {
  sessionStorage.removeItem('ferry.admin.key');
  clearInterval(timer);
  location.reload();
});
$('search-form').addEventListener('submit', (e) => {
  e.preventDefault();
  refresh();
});
$('publish-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    const topics = $('publish-topics').value.split(',').map((t) => t.trim()).filter(Boolean);
    const r = await api('/v1/admin/broadcast', { topics, data: JSON.parse($('publish-data').value) });
    $('publish-result').textContent = r.results.map((x) => `${x.topic}: ${x.error || 'offset ' + x.offset}`).join(', ');
  } catch (err) {
    $('publish-result').textContent = String(err.message || err);
  }
});
if (key) start();
