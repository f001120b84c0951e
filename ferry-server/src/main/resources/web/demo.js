// The demo page: a chat on topic demo.chat.<room> and a live view of the topic index, using only ferry-js.
import { Ferry } from '/ferry-js/index.js';

const $ = (sel) => document.querySelector(sel);
const ferry = new Ferry('/v1/ws');
window.ferry = ferry; // for the browser tests and the curious

ferry.on('state', ({ state }) => {
  $('#state').textContent = state;
  $('#state').dataset.state = state;
});

let subscription = null;
let me = 'guest-' + Math.random().toString(36).slice(2, 6);
$('#join input[name=name]').value = me;

function show(from, text) {
  const li = document.createElement('li');
  const b = document.createElement('span');
  b.className = 'from';
  b.textContent = from;
  li.append(b, document.createTextNode(text));
  $('#log').append(li);
  $('#log').scrollTop = $('#log').scrollHeight;
}

async function join(room) {
  if (subscription) await subscription.unsubscribe();
  const topic = 'demo.chat.' + room;
  $('#topic').textContent = topic;
  $('#log').replaceChildren();
  subscription = await ferry.subscribe(topic, (data) => {
    if (data && typeof data === 'object') show(String(data.from), String(data.text));
    else show('?', String(data));
  });
  document.body.dataset.joined = topic;
}

$('#join').addEventListener('submit', (e) => {
  e.preventDefault();
  me = $('#join input[name=name]').value.trim() || me;
  join($('#join input[name=room]').value.trim() || 'lobby').catch((err) => show('error', err.message));
});

$('#say').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $('#say input[name=text]');
  const text = input.value;
  if (!text || !subscription) return;
  ferry.publish(subscription.pattern, { from: me, text }).catch((err) => show('error', err.message));
  input.value = '';
});

let prefix = '';
async function refreshIndex() {
  try {
    const idx = await ferry.index(prefix);
    $('#prefix').textContent = prefix || '(root)';
    $('#children').replaceChildren(...idx.children.map((c) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = c.word;
      b.addEventListener('click', () => { prefix = c.topic; refreshIndex(); });
      li.append(b, document.createTextNode(` ${c.subscribers} here, ${c.total} in all`));
      return li;
    }));
  } catch {
    // not connected right now: the next refresh tries again
  }
}
$('#up').addEventListener('click', () => {
  prefix = prefix.includes('.') ? prefix.slice(0, prefix.lastIndexOf('.')) : '';
  refreshIndex();
});
setInterval(refreshIndex, 1000);
join('lobby').then(refreshIndex).catch((err) => show('error', err.message));
