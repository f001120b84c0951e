// Routed calls (protocol.md §4 call/invoke/reply): result, callee_error, no_such_procedure, call_timeout,
// callee_gone, and round-robin among callees.

import { FerryClient, RUN, check, checkEqual, checkError, ensure, scenario, show } from './lib.js';

/** Reads the next invoke on {@code callee} and checks its shape. */
async function nextInvoke(callee, proc, args, what) {
  const inv = await callee.nextFrame(what);
  ensure(inv.type === 'invoke' && Number.isInteger(inv.id), `${what}: expected an invoke with an integer id`, `got ${show(inv)}`);
  checkEqual(inv, { type: 'invoke', id: inv.id, proc, args }, `${what}: callee gets invoke {id, proc ${proc}, args ${JSON.stringify(args)}}`);
  return inv;
}

scenario('rpc', async ({ ws: url, track }) => {
  const callee = track(await FerryClient.open(url, undefined, 'callee'));
  const caller = track(await FerryClient.open(url, undefined, 'caller'));

  checkEqual(await callee.request({ type: 'register', id: 1, proc: 'math.add' }, 'register'),
    { type: 'result', id: 1, data: { proc: 'math.add' } }, 'callee registers math.add -> result {proc}');

  // call -> invoke -> reply -> result
  await caller.send({ type: 'call', id: 7, proc: 'math.add', args: [2, 3], timeout: 5000 });
  const inv = await nextInvoke(callee, 'math.add', [2, 3], 'call math.add [2,3]');
  await callee.send({ type: 'reply', id: inv.id, data: inv.args[0] + inv.args[1] });
  checkEqual(await caller.nextFrame('result'), { type: 'result', id: 7, data: 5 }, 'caller gets result {id 7, data 5}');

  // A second reply for an already settled invocation is ignored.
  await callee.send({ type: 'reply', id: inv.id, data: 999 });
  await caller.checkQuiet('a second reply to a settled invocation is ignored (caller gets nothing)');
  await callee.checkPing(2, 'callee connection still usable after the ignored reply');

  // reply with error -> callee_error
  await caller.send({ type: 'call', id: 8, proc: 'math.add', args: ['x', 1] });
  const inv2 = await nextInvoke(callee, 'math.add', ['x', 1], 'call math.add ["x",1]');
  await callee.send({ type: 'reply', id: inv2.id, error: { code: 'bad_args', message: 'not numbers', data: { got: ['x', 1] } } });
  const ce = await caller.nextFrame('callee_error');
  checkEqual(ce, { type: 'error', id: 8, code: 'callee_error', message: 'not numbers', data: { code: 'bad_args', data: { got: ['x', 1] } } },
    'a reply with error reaches the caller as callee_error {message, data: {code, data}}');

  // no_such_procedure
  const nsp = await caller.request({ type: 'call', id: 9, proc: `nobody.home.${RUN}`, args: null }, 'no_such_procedure');
  checkError(nsp, 'no_such_procedure', 9, 'call of an unregistered procedure');

  // call_timeout: the callee gets the invoke but never answers.
  const slow = `slow.${RUN}`;
  checkEqual(await callee.request({ type: 'register', id: 3, proc: slow }, 'register slow'),
    { type: 'result', id: 3, data: { proc: slow } }, `callee registers ${slow}`);
  const t0 = Date.now();
  await caller.send({ type: 'call', id: 10, proc: slow, args: { n: 1 }, timeout: 300 });
  const inv3 = await nextInvoke(callee, slow, { n: 1 }, `call ${slow} with timeout 300`);
  const to = await caller.nextFrame('call_timeout');
  const elapsed = Date.now() - t0;
  checkError(to, 'call_timeout', 10, 'call whose callee never answers, timeout 300 ms');
  check(elapsed >= 250 && elapsed < 2500, `call_timeout came after about 300 ms (${elapsed} ms)`);
  checkEqual(await callee.nextFrame('interrupt'), { type: 'interrupt', id: inv3.id, mode: 'killnowait', reason: 'timeout' },
    'the callee of a call that timed out gets an interrupt');
  await callee.send({ type: 'reply', id: inv3.id, data: 'too late' });
  await caller.checkQuiet('a late reply after call_timeout is ignored');

  // callee_gone: the callee disconnects mid-call.
  const vanish = `vanish.${RUN}`;
  const leaving = track(await FerryClient.open(url, undefined, 'leaving callee'));
  checkEqual(await leaving.request({ type: 'register', id: 1, proc: vanish }, 'register vanish'),
    { type: 'result', id: 1, data: { proc: vanish } }, `leaving callee registers ${vanish}`);
  const t1 = Date.now();
  await caller.send({ type: 'call', id: 11, proc: vanish, args: [], timeout: 8000 });
  await nextInvoke(leaving, vanish, [], `call ${vanish}`);
  leaving.terminate();
  const gone = await caller.nextFrame('callee_gone');
  checkError(gone, 'callee_gone', 11, 'callee disconnects mid-call');
  check(Date.now() - t1 < 4000, `callee_gone came promptly, not at the call timeout (${Date.now() - t1} ms)`);
  const after = await caller.request({ type: 'call', id: 12, proc: vanish }, 'call after the callee left');
  checkError(after, 'no_such_procedure', 12, 'after its only callee left, the procedure is gone');

  // Round-robin among two callees of one name.
  const rr = `rr.${RUN}`;
  const second = track(await FerryClient.open(url, undefined, 'second callee'));
  checkEqual(await callee.request({ type: 'register', id: 4, proc: rr }, 'register rr'), { type: 'result', id: 4, data: { proc: rr } }, `callee registers ${rr}`);
  checkEqual(await second.request({ type: 'register', id: 1, proc: rr }, 'register rr'), { type: 'result', id: 1, data: { proc: rr } }, `second callee registers ${rr}`);
  const counts = { callee: 0, second: 0 };
  const serve = async (c, key) => {
    for (;;) {
      const item = await c.nextItem(1500);
      if (item === null || item.kind !== 'frame' || item.frame.type !== 'invoke') {
        return;
      }
      counts[key] += 1;
      await c.send({ type: 'reply', id: item.frame.id, data: `${key}:${item.frame.args}` });
    }
  };
  const serving = Promise.all([serve(callee, 'callee'), serve(second, 'second')]);
  for (let i = 0; i < 4; i++) {
    await caller.send({ type: 'call', id: 20 + i, proc: rr, args: i, timeout: 3000 });
    const r = await caller.nextFrame(`rr result ${i}`);
    ensure(r.type === 'result' && r.id === 20 + i, `round-robin call ${i}: expected result`, `got ${show(r)}`);
  }
  await serving;
  checkEqual(counts, { callee: 2, second: 2 }, '4 calls to a name with 2 callees are routed round-robin (2 each)');

  // Unregistering stops new calls but lets the callee answer what it already received (protocol.md §4).
  const unreg = `unreg.${RUN}`;
  checkEqual(await callee.request({ type: 'register', id: 5, proc: unreg }, 'register unreg'),
    { type: 'result', id: 5, data: { proc: unreg } }, `callee registers ${unreg}`);
  await caller.send({ type: 'call', id: 13, proc: unreg, args: 'x', timeout: 1500 });
  const pendingInv = await nextInvoke(callee, unreg, 'x', `call ${unreg} (timeout 1500)`);
  checkEqual(await callee.request({ type: 'unregister', id: 6, proc: unreg }, 'unregister'),
    { type: 'result', id: 6, data: { proc: unreg } }, `callee unregisters ${unreg} mid-call -> result {proc}`);
  await caller.send({ type: 'call', id: 14, proc: unreg, args: 'y' });
  const none = await caller.nextFrame('call after unregister');
  check(none.type === 'error' && none.id === 14 && none.code === 'no_such_procedure',
    'a new call after unregister gets no_such_procedure', `got ${show(none)}`);
  await callee.send({ type: 'reply', id: pendingInv.id, data: 'late but welcome' });
  checkEqual(await caller.nextFrame('answer to the call routed before unregister'),
    { type: 'result', id: 13, data: 'late but welcome' }, 'the call routed before unregister is still answered');
  checkEqual(await callee.request({ type: 'unregister', id: 7, proc: unreg }, 'unregister again'),
    { type: 'error', id: 7, code: 'not_registered', message: `this connection has not registered "${unreg}"` },
    'unregistering what the connection does not hold -> not_registered');

  caller.close();
  callee.close();
  second.close();
});
