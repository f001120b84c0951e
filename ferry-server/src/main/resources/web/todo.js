// The shared to-do list: one state channel per list (demo.todo.<list>, docs/protocol.md §4.6) holding
// {"items": [{"id", "text", "done", "by"}]}, and the presence of demo.todo.<list>.here (§4.7) for who is viewing.
// Served by `ferry serve --demo` (docs/web.md). Only ferry-js, no framework.
import { Ferry } from '/ferry-js/index.js';

const $ = (sel) => document.querySelector(sel);
const params = new URLSearchParams(location.search);

// Which list: ?list=<word>, one topic word of letters, digits, - and _.
const listName = /^[A-Za-z0-9_-]{1,40}$/.test(params.get('list') || '') ? params.get('list') : 'shared';
const topic = `demo.todo.${listName}`;
const hereTopic = `${topic}.here`;

// Who I am: ?name=, else the name this tab used before, else a generated one. `tab` tells my entry from others.
const randomHex = (bytes) => [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
const me = {
  name: (params.get('name') || sessionStorage.getItem('ferry-todo-name') || `guest-${randomHex(2)}`).slice(0, 40),
  tab: randomHex(6),
};

const ferry = new Ferry('/v1/ws');
window.ferry = ferry; // for the browser tests and the curious
let list = null; // the StateReplica of the list, once followed

// ------------------------------------------------------------------ errors

function showError(what, e) {
  const code = e && e.code ? ` (${e.code})` : '';
  $('#error p').textContent = `Could not ${what}: ${(e && e.message) || e}${code}`;
  $('#error').dataset.code = (e && e.code) || 'error';
  $('#error').hidden = false;
}
$('#error button').addEventListener('click', () => { $('#error').hidden = true; });

// ------------------------------------------------------------------ changing the list

// Every change is a JSON Patch computed from the replica at version v and sent with if_version v, so that indices
// are right. When another writer got in first (state_conflict) we wait until the replica has their change and
// compute the patch again. A page makes its changes one at a time, in the order the user made them.
const MAX_ATTEMPTS = 20;
let queue = Promise.resolve();

function change(what, makePatch) {
  const run = async () => {
    for (let attempt = 1; ; attempt++) {
      const version = list.version;
      const patch = makePatch(list.document || {});
      if (!patch) return; // nothing left to do (e.g. the item was deleted meanwhile)
      try {
        const written = await ferry.patchState(topic, patch, { ifVersion: version });
        // The answer can come before the change itself: wait for it, so that the page shows it and the next
        // change is computed from it.
        await replicaAt(written.version);
        return;
      } catch (e) {
        if (e.code !== 'state_conflict' || attempt === MAX_ATTEMPTS) throw e;
        document.body.dataset.retries = Number(document.body.dataset.retries || 0) + 1;
        await replicaAt(e.data && e.data.version);
      }
    }
  };
  queue = queue.then(run).catch((e) => showError(what, e));
  return queue;
}

/** Resolves once the replica holds `version` (or after 2 s: a snapshot of another epoch may be on its way). */
function replicaAt(version) {
  if (!(version > list.version)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => { stop(); clearTimeout(timer); resolve(); };
    const stop = list.on('change', () => { if (list.version >= version) done(); });
    const timer = setTimeout(done, 2000);
  });
}

const items = (doc) => (Array.isArray(doc.items) ? doc.items : []);
const indexOf = (doc, id) => items(doc).findIndex((item) => item.id === id);

function addItem(text) {
  const item = { id: randomHex(8), text, done: false, by: me.name };
  return change('add the item', (doc) => (Array.isArray(doc.items)
    ? [{ op: 'add', path: '/items/-', value: item }]
    : [{ op: 'add', path: '/items', value: [item] }]));
}

// What the user changed and the list does not have yet ("<id>/<field>" -> value), shown instead of the list's
// value meanwhile: a change that another writer's arrives before must not flicker back.
const pending = new Map();

function changeItem(what, id, field, value, makePatch) {
  const key = `${id}/${field}`;
  pending.set(key, value);
  renderItems(list.document || {});
  return change(what, makePatch).finally(() => {
    if (pending.get(key) === value) pending.delete(key);
    renderItems(list.document || {});
  });
}

function setField(what, id, field, value) {
  return changeItem(what, id, field, value, (doc) => {
    const i = indexOf(doc, id);
    return i < 0 ? null : [{ op: 'replace', path: `/items/${i}/${field}`, value }];
  });
}

function removeItem(id) {
  return changeItem('delete the item', id, 'deleted', true, (doc) => {
    const i = indexOf(doc, id);
    return i < 0 ? null : [{ op: 'remove', path: `/items/${i}` }];
  });
}

// ------------------------------------------------------------------ showing the list

function itemElement(id) {
  const li = document.createElement('li');
  li.dataset.id = id;
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.setAttribute('aria-label', 'done');
  box.addEventListener('change', () => setField('change the item', id, 'done', box.checked));
  const text = document.createElement('span');
  text.className = 'text';
  text.title = 'Double-click to edit';
  text.addEventListener('dblclick', () => startEditing(li));
  const by = document.createElement('span');
  by.className = 'by';
  const del = document.createElement('button');
  del.type = 'button';
  del.className = 'delete';
  del.setAttribute('aria-label', 'delete');
  del.textContent = '\u00d7';
  del.addEventListener('click', () => removeItem(id));
  li.append(box, text, by, del);
  return li;
}

/** Replaces the item's text by an input while the user edits it; Enter or leaving it saves, Escape cancels. */
function startEditing(li) {
  if (li.querySelector('.edit') || $('#editor').disabled) return;
  const text = li.querySelector('.text');
  const input = document.createElement('input');
  input.className = 'edit';
  input.maxLength = 200;
  input.value = text.textContent;
  let finished = false;
  const finish = (save) => {
    if (finished) return;
    finished = true;
    const value = input.value.trim();
    input.remove();
    text.hidden = false;
    if (save && value && value !== text.textContent) setField('edit the item', li.dataset.id, 'text', value);
  };
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') finish(true);
    else if (e.key === 'Escape') finish(false);
  });
  input.addEventListener('blur', () => finish(true));
  text.hidden = true; // kept up to date meanwhile, shown again when the edit ends
  text.after(input);
  input.focus();
}

/** The value of an item's field as this page shows it: the user's own while the list does not have it yet. */
function shown(item, field) {
  const key = `${item.id}/${field}`;
  return pending.has(key) ? pending.get(key) : item[field];
}

/** Updates the list in place, element by element, so that an item being edited keeps its input and focus. */
function renderItems(doc) {
  const wanted = items(doc).filter((item) => !shown(item, 'deleted'));
  const ul = $('#items');
  const ids = new Set(wanted.map((item) => item.id));
  const existing = new Map();
  for (const li of [...ul.children]) {
    if (ids.has(li.dataset.id)) existing.set(li.dataset.id, li);
    else li.remove();
  }
  wanted.forEach((item, i) => {
    const li = existing.get(item.id) || itemElement(item.id);
    const done = shown(item, 'done') === true;
    li.classList.toggle('done', done);
    li.querySelector('input[type=checkbox]').checked = done;
    const text = li.querySelector('.text');
    if (text.textContent !== shown(item, 'text')) text.textContent = shown(item, 'text');
    li.querySelector('.by').textContent = item.by ? `by ${item.by}` : '';
    if (ul.children[i] !== li) ul.insertBefore(li, ul.children[i] || null);
  });
  $('#empty').hidden = wanted.length > 0;
}

$('#add').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $('#add input[name=text]');
  const text = input.value.trim();
  if (!text || !list) return;
  input.value = '';
  addItem(text);
});

// ------------------------------------------------------------------ who is here

const viewers = new Map(); // conn -> presence entry

function renderViewers() {
  const entries = [...viewers.values()].sort((a, b) => a.joined - b.joined);
  $('#viewers').replaceChildren(...entries.map((entry) => {
    const li = document.createElement('li');
    const info = entry.info || {};
    li.textContent = String(info.name || entry.user || 'someone');
    if (info.tab === me.tab) {
      li.className = 'you';
      li.textContent += ' (you)';
    }
    return li;
  }));
  $('#count').textContent = String(entries.length);
}

/** Reads the whole presence again: at the start, and when the server says we may have missed changes. */
async function readViewers() {
  try {
    const page = await ferry.presence(hereTopic, { limit: 1000 });
    viewers.clear();
    for (const entry of page.entries) viewers.set(entry.conn, entry);
    renderViewers();
  } catch (e) {
    if (e.code !== 'disconnected' && e.code !== 'closed') showError('see who is here', e);
  }
}

function onPresence(diff) {
  if (diff.reset) {
    readViewers();
    return;
  }
  for (const entry of diff.leaves) viewers.delete(entry.conn);
  for (const entry of diff.joins) viewers.set(entry.conn, entry);
  renderViewers();
}

const noMessages = () => {}; // nothing is published on the presence topic: we subscribe to be listed

function announce() {
  return ferry.subscribe(hereTopic, noMessages, { presence: { name: me.name, tab: me.tab }, onPresence });
}

$('#name').value = me.name;
$('#name').addEventListener('change', () => {
  const name = $('#name').value.trim().slice(0, 40);
  if (!name || name === me.name) return;
  me.name = name;
  sessionStorage.setItem('ferry-todo-name', name);
  announce().catch((e) => showError('change your name', e)); // subscribing again replaces the info
});

// ------------------------------------------------------------------ start

// The list can only be changed while connected: otherwise it is shown read-only (the fieldset disables every
// control in it, those added later included), so that a stopped server does not leave it looking editable.
ferry.on('state', ({ state }) => {
  const online = state === 'connected';
  $('#state').textContent = online ? state : `${state} (read-only)`;
  $('#state').dataset.state = state;
  $('#editor').disabled = !online;
  $('#name').disabled = !online;
});

$('#topic').textContent = topic;

async function start() {
  try {
    list = await ferry.followState(topic, { onChange: ({ document: doc }) => renderItems(doc || {}) });
  } catch (e) {
    if (e.code === 'not_state_channel') {
      e.message += ': start the server with "ferry serve --demo"';
    }
    showError('open the list', e);
    return;
  }
  renderItems(list.document || {});
  try {
    await announce();
  } catch (e) {
    showError('join the list', e);
    return;
  }
  await readViewers();
  document.body.dataset.ready = 'true';
}

start();
