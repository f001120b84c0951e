// WAMP at /v1/wamp (docs/wamp.md) with Autobahn|JS, next to a ferry.v1 client on the same topics and procedures:
// publish/subscribe with acknowledge, prefix and wildcard subscriptions, calls both ways, progressive results,
// cancel (mode kill), shared registrations, pattern registrations, caller disclosure, the meta API and event history, and errors. The server maps realm "app1" to the topic prefix "app1".
//
// Run as: node wamp-autobahn.js <ferry.v1 ws-url> <http-url> [<token> <guarded ws-url> [<authid> <api-key>
// [<admin key>]]]; with a token, ticket authentication against the guarded server (a JWT it accepts) and a refused
// ticket are checked too; with an API key's name and secret, wampcra with that key and a refused signature; with an
// API key granted the admin action there, wamp.session.kill_by_authid closes the JWT's session with GOODBYE.

import WebSocket from 'ws';
import { FerryClient, RUN, check, checkEqual, ensure, scenario, WAIT_MS } from './lib.js';

globalThis.WebSocket = WebSocket; // Autobahn|JS uses the global WebSocket, which Node 20 lacks
const autobahn = (await import('autobahn')).default;

/** A deferred whose promise collects progressive results, as Autobahn|JS's use_deferred option expects. */
function deferred() {
  const d = {};
  d.promise = new Promise((resolve, reject) => { d.resolve = resolve; d.reject = reject; });
  d.promise.progress = [];
  d.notify = (v) => d.promise.progress.push(v);
  return d;
}

function wampUrl(ws) {
  const u = new URL(ws);
  u.pathname = '/v1/wamp';
  return u.toString();
}

/** Opens an Autobahn|JS session; rejects with the close reason when it cannot join. */
function join(url, realm, extra = {}) {
  return new Promise((resolve, reject) => {
    const connection = new autobahn.Connection({ url, realm, max_retries: 0, use_deferred: deferred, ...extra });
    connection.onopen = (session, details) => resolve({ connection, session, details });
    connection.onclose = (reason, details) => { reject(new Error(`${reason}: ${JSON.stringify(details)}`)); return true; };
    connection.open();
  });
}

/** A promise of the next value `listen` delivers, failing after WAIT_MS. */
function next(what) {
  let resolve;
  const p = new Promise((res, rej) => {
    resolve = res;
    setTimeout(() => rej(new Error(`timed out waiting for ${what}`)), WAIT_MS).unref();
  });
  return { p, resolve };
}

scenario('wamp-autobahn', async ({ ws, track }) => {
  const url = wampUrl(ws);
  const a = await join(url, 'app1');
  const b = await join(url, 'app1');
  check(a.details.authmethod === 'anonymous' && a.details.realm === 'app1', 'Autobahn|JS joins realm app1 anonymously');
  const ferry = track(await FerryClient.open(ws, undefined, 'ferry.v1'));
  const topic = `com.example.${RUN}.chat`;

  // publish/subscribe, both ways with ferry.v1
  let ev = next('event');
  await b.session.subscribe(topic, (args, kwargs, details) => ev.resolve({ args, kwargs, details }));
  const pub = await a.session.publish(topic, ['hello'], { n: 1 }, { acknowledge: true });
  check(Number.isInteger(pub.id) && pub.id > 0, 'publish with acknowledge resolves with a publication id');
  let got = await ev.p;
  checkEqual([got.args, got.kwargs], [['hello'], { n: 1 }], 'a subscriber gets args and kwargs as published');

  await ferry.request({ type: 'sub', id: 1, topic: `app1.${topic}` }, 'ferry.v1 sub');
  ev = next('event from ferry.v1');
  await ferry.send({ type: 'pub', topic: `app1.${topic}`, data: { text: 'from ferry.v1' } });
  got = await ev.p;
  checkEqual([got.args, got.kwargs], [[], { text: 'from ferry.v1' }], 'a ferry.v1 object arrives as kwargs');
  const ownMsg = await ferry.nextFrame('its own msg');
  ensure(ownMsg.type === 'msg', 'ferry.v1 gets its own publication');
  ev = next('event');
  await a.session.publish(topic, ['to both'], {}, { acknowledge: true });
  checkEqual((await ferry.nextFrame('msg from WAMP')).data, 'to both', 'a WAMP publication ["to both"] reaches ferry.v1 as "to both"');
  await ev.p;

  // prefix and wildcard subscriptions
  let pre = next('prefix event');
  await b.session.subscribe(`org.${RUN}`, (args, kwargs, details) => pre.resolve(details.topic), { match: 'prefix' });
  await a.session.publish(`org.${RUN}.x.y`, [1], {}, { acknowledge: true });
  check((await pre.p) === `org.${RUN}.x.y`, 'a prefix subscription receives a deeper topic, details.topic names it');
  let wild = next('wildcard event');
  await b.session.subscribe(`wild.${RUN}..end`, (args, kwargs, details) => wild.resolve(details.topic), { match: 'wildcard' });
  await a.session.publish(`wild.${RUN}.mid.end`, [1], {}, { acknowledge: true });
  check((await wild.p) === `wild.${RUN}.mid.end`, 'a wildcard subscription matches an empty component to any word');

  // calls, WAMP to WAMP and across to ferry.v1
  await a.session.register(`com.example.${RUN}.add`, (args) => args[0] + args[1]);
  check((await b.session.call(`com.example.${RUN}.add`, [2, 3])) === 5, 'a WAMP caller gets a WAMP callee\'s result');
  await ferry.send({ type: 'call', id: 5, proc: `app1.com.example.${RUN}.add`, args: [20, 22] });
  checkEqual(await ferry.nextFrame('result'), { type: 'result', id: 5, data: 42 }, 'a ferry.v1 caller gets the WAMP callee\'s result');
  await ferry.request({ type: 'register', id: 6, proc: `app1.com.example.${RUN}.mul` }, 'ferry.v1 register');
  const call = b.session.call(`com.example.${RUN}.mul`, [6, 7]);
  const inv = await ferry.nextFrame('invoke');
  await ferry.send({ type: 'reply', id: inv.id, data: inv.args[0] * inv.args[1] });
  check((await call) === 42, 'a WAMP caller gets a ferry.v1 callee\'s result');
  try {
    await b.session.call(`com.example.${RUN}.nobody`);
    check(false, 'a call nobody registered fails');
  } catch (e) {
    check(e.error === 'wamp.error.no_such_procedure', 'a call nobody registered fails with wamp.error.no_such_procedure');
  }

  // progressive results
  await a.session.register(`com.example.${RUN}.count`, (args, kwargs, details) => {
    for (let i = 1; i <= 3; i++) details.progress([i]);
    return 'done';
  });
  const counting = b.session.call(`com.example.${RUN}.count`, [], {}, { receive_progress: true });
  check((await counting) === 'done', 'a progressive call ends with its final result');
  checkEqual(counting.progress, [1, 2, 3], 'the caller got the three progressive results first');

  // cancel (kill) of a call to a ferry.v1 callee: it is interrupted and answers, the caller gets wamp.error.canceled
  await ferry.request({ type: 'register', id: 7, proc: `app1.com.example.${RUN}.slow` }, 'ferry.v1 register slow');
  const slow = b.session.call(`com.example.${RUN}.slow`);
  const slowInv = await ferry.nextFrame('invoke of slow');
  slow.cancel({ mode: 'kill' });
  const interrupt = await ferry.nextFrame('interrupt');
  checkEqual(interrupt, { type: 'interrupt', id: slowInv.id, mode: 'kill', reason: 'cancel' },
    'the ferry.v1 callee of a call canceled over WAMP gets interrupt (mode kill)');
  await ferry.send({ type: 'reply', id: slowInv.id, error: { code: 'app.stopped', message: 'stopped' } });
  try {
    await slow;
    check(false, 'a canceled call fails');
  } catch (e) {
    check(e.error === 'wamp.error.canceled', 'a call canceled with mode kill fails with wamp.error.canceled', String(e.error));
  }

  // shared registrations
  const c = await join(url, 'app1');
  const hits = [];
  await a.session.register(`com.example.${RUN}.shared`, () => { hits.push('a'); return 'a'; }, { invoke: 'roundrobin' });
  await c.session.register(`com.example.${RUN}.shared`, () => { hits.push('c'); return 'c'; }, { invoke: 'roundrobin' });
  for (let i = 0; i < 4; i++) await b.session.call(`com.example.${RUN}.shared`);
  check(hits.filter((h) => h === 'a').length === 2 && hits.filter((h) => h === 'c').length === 2,
    'roundrobin registrations share the calls in turn', JSON.stringify(hits));
  try {
    await b.session.register(`com.example.${RUN}.shared`, () => 'b');
    check(false, 'a single registration of a shared procedure is refused');
  } catch (e) {
    check(e.error === 'wamp.error.procedure_already_exists', 'a single registration of a shared procedure: procedure_already_exists');
  }

  // pattern-based registrations and caller disclosure
  await a.session.register(`pat.${RUN}`, (args, kwargs, details) => [details.procedure, details.caller ?? null],
    { match: 'prefix' });
  const [calledProc, disclosed] = await b.session.call(`pat.${RUN}.deep.op`, [], {}, { disclose_me: true });
  check(calledProc === `pat.${RUN}.deep.op`, 'a prefix registration gets the concrete procedure in details.procedure', calledProc);
  check(disclosed === b.session.id, 'a caller with disclose_me is named to the callee', String(disclosed));

  // the meta API: session events and procedures, subscription lookups, event history
  let joined = next('wamp.session.on_join');
  let left = next('wamp.session.on_leave');
  await a.session.subscribe('wamp.session.on_join', (args) => joined.resolve(args[0]));
  await a.session.subscribe('wamp.session.on_leave', (args) => left.resolve(args));
  const d = await join(url, 'app1');
  const joinedDetails = await joined.p;
  check(joinedDetails.session === d.session.id && joinedDetails.authrole === 'anonymous',
    'wamp.session.on_join tells the new session with its details', JSON.stringify(joinedDetails));
  check((await a.session.call('wamp.session.count')) === 4, 'wamp.session.count counts the realm\'s sessions');
  check((await a.session.call('wamp.session.list')).includes(d.session.id), 'wamp.session.list names them');
  check((await a.session.call('wamp.session.get', [d.session.id])).authid === 'anonymous', 'wamp.session.get details one');
  const subId = await a.session.call('wamp.subscription.lookup', [topic]);
  check(Number.isInteger(subId), 'wamp.subscription.lookup finds the subscription of a topic', String(subId));
  checkEqual(await a.session.call('wamp.subscription.list_subscribers', [subId]), [b.session.id],
    'wamp.subscription.list_subscribers names its subscriber');
  const history = await b.session.call('wamp.subscription.get_events', [subId, 2]);
  checkEqual(history.map((e) => e.args), [[], ['to both']],
    'wamp.subscription.get_events returns the latest events of the topic, oldest first');
  const regId = await a.session.call('wamp.registration.lookup', [`com.example.${RUN}.shared`]);
  check((await a.session.call('wamp.registration.count_callees', [regId])) === 2, 'wamp.registration.count_callees counts a shared registration\'s callees');

  // UNSUBSCRIBE and UNREGISTER: the meta API no longer finds them, a call no longer reaches the callee
  const once = await b.session.subscribe(`gone.${RUN}`, () => {});
  check(Number.isInteger(await a.session.call('wamp.subscription.lookup', [`gone.${RUN}`])), 'a subscription is found before UNSUBSCRIBE');
  await b.session.unsubscribe(once);
  check((await a.session.call('wamp.subscription.lookup', [`gone.${RUN}`])) === null, 'UNSUBSCRIBED: its only subscriber left, the subscription is gone');
  const reg = await c.session.register(`com.example.${RUN}.once`, () => 'here');
  check((await b.session.call(`com.example.${RUN}.once`)) === 'here', 'a registered procedure answers');
  await c.session.unregister(reg);
  try {
    await b.session.call(`com.example.${RUN}.once`);
    check(false, 'a call after UNREGISTER fails');
  } catch (e) {
    check(e.error === 'wamp.error.no_such_procedure', 'UNREGISTERED: a call after it fails with wamp.error.no_such_procedure', String(e.error));
  }
  d.connection.close();
  const leaving = await left.p;
  check(leaving[0] === joinedDetails.session, 'wamp.session.on_leave tells the session that left', JSON.stringify(leaving));

  for (const s of [a, b, c]) s.connection.close();

  // ticket authentication with a JWT, on the guarded server
  const token = process.argv[4];
  const guarded = process.argv[5];
  if (token && guarded) {
    const t = await join(wampUrl(guarded), 'realm1', { authmethods: ['ticket'], onchallenge: () => token });
    check(t.details.authmethod === 'ticket' && t.details.authid === 'alice', 'a JWT as ticket authenticates as its sub');
    await t.session.subscribe('chat.room', () => {});
    try {
      await t.session.subscribe('secret.room', () => {});
      check(false, 'a subscription auth.rules deny is refused');
    } catch (e) {
      check(e.error === 'wamp.error.not_authorized', 'a subscription auth.rules deny fails with wamp.error.not_authorized');
    }
    const adminKey = process.argv[8];
    if (adminKey) {
      const ops = await join(wampUrl(guarded), 'realm1', { authmethods: ['ticket'], onchallenge: () => adminKey });
      try {
        await t.session.call('wamp.session.kill', [ops.session.id]);
        check(false, 'a session without the admin action cannot kill');
      } catch (e) {
        check(e.error === 'wamp.error.not_authorized', 'wamp.session.kill without the admin action is wamp.error.not_authorized', e.error);
      }
      const aliceSession = t.session.id; // Autobahn|JS forgets it once the session has left
      const closed = next('the killed session\'s close');
      t.connection.onclose = (reason, details) => { closed.resolve(details); return true; };
      const killed = await ops.session.call('wamp.session.kill_by_authid', ['alice'], { reason: 'app.close.maintenance', message: 'bye' });
      checkEqual(killed, [aliceSession], 'wamp.session.kill_by_authid returns the ids of the sessions it killed');
      const details = await closed.p;
      check(details.reason === 'app.close.maintenance' && details.message === 'bye',
        'the killed session leaves with the GOODBYE reason and message given', JSON.stringify(details));
      checkEqual(await ops.session.call('wamp.session.list'), [ops.session.id], 'the admin\'s own session is spared');
      ops.connection.close();
    } else {
      t.connection.close();
    }
    try {
      await join(wampUrl(guarded), 'realm1', { authmethods: ['ticket'], onchallenge: () => 'not-a-token' });
      check(false, 'a bad ticket is refused');
    } catch (e) {
      check(String(e.message).includes('wamp.error.authentication_failed'), 'a bad ticket is aborted with wamp.error.authentication_failed', e.message);
    }
  }

  // wampcra with a named API key, on the guarded server: the key's grants apply
  const [authid, key] = [process.argv[6], process.argv[7]];
  if (guarded && authid && key) {
    const sign = (secret) => (session, method, extra) => {
      ensure(method === 'wampcra' && typeof extra.challenge === 'string', 'a wampcra CHALLENGE carries the challenge string');
      return autobahn.auth_cra.sign(secret, extra.challenge);
    };
    const k = await join(wampUrl(guarded), 'realm1', { authmethods: ['wampcra'], authid, onchallenge: sign(key) });
    check(k.details.authmethod === 'wampcra' && k.details.authid === authid, 'wampcra with an API key authenticates as its name',
      JSON.stringify(k.details));
    await k.session.register('math.twice', (args) => 2 * args[0]);
    check((await k.session.call('math.twice', [21])) === 42, 'the key\'s grants allow register and call of math.*');
    try {
      await k.session.subscribe('chat.room', () => {});
      check(false, 'a subscription the key does not grant is refused');
    } catch (e) {
      check(e.error === 'wamp.error.not_authorized', 'a subscription the key does not grant fails with wamp.error.not_authorized', String(e.error));
    }
    k.connection.close();
    try {
      await join(wampUrl(guarded), 'realm1', { authmethods: ['wampcra'], authid, onchallenge: sign('not-the-key-0123456789') });
      check(false, 'a wrong wampcra signature is refused');
    } catch (e) {
      check(String(e.message).includes('wamp.error.authentication_failed'), 'a wrong wampcra signature is aborted with wamp.error.authentication_failed', e.message);
    }
  }
});
