"""Tests of ferry_client: the framing and topic rules alone, and the client against a real server.

The server tests need FERRY_WS_URL (e.g. ws://127.0.0.1:8080/v1/ws) of a server started with
`--set 'presence.rules.py.pattern=py.presence.*' --set 'state.channels.py.pattern=py.state.#'`; the JWT tests also
FERRY_JWT_ISSUER and FERRY_JWT_SECRET, an HMAC issuer the server was started with (auth.issuers.<name>.issuer /
.secret). Without them those tests skip. ferry-cli's PythonClientIT starts `ferry serve` so and runs them against the installed
package. Every wait has a deadline; nothing sleeps to let time pass.
"""
import asyncio
import base64
import hashlib
import hmac
import json
import os
import re
import time
import unittest
import uuid

from ferry_client import (Ferry, FerryError, PatchError, Published, apply_merge_patch, apply_patch, decode, encode,
                          has_wildcard, matches, new_pub_id)

WS_URL = os.environ.get("FERRY_WS_URL", "")
JWT_ISSUER = os.environ.get("FERRY_JWT_ISSUER", "")
JWT_SECRET = os.environ.get("FERRY_JWT_SECRET", "")
WAIT = 30  # seconds: generous on a busy machine; a passing test never waits for it

needs_server = unittest.skipUnless(WS_URL, "FERRY_WS_URL is not set (run through ferry-cli's PythonClientIT)")
needs_issuer = unittest.skipUnless(WS_URL and JWT_ISSUER and JWT_SECRET, "FERRY_WS_URL, FERRY_JWT_ISSUER and FERRY_JWT_SECRET")


def unique(prefix):
    return prefix + "." + uuid.uuid4().hex[:12]


def hs256(claims):
    """A JWT signed with the test issuer's shared secret (RFC 7519, HS256), with the standard library only."""
    def b64(raw):
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
    signing_input = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64(json.dumps(claims).encode())
    signature = hmac.new(JWT_SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64(signature)


class Inbox:
    """Collects what handlers receive; next() waits for the next item with a deadline."""

    def __init__(self):
        self.items = asyncio.Queue()

    def push(self, *item):
        self.items.put_nowait(item if len(item) > 1 else item[0])

    async def next(self, timeout=WAIT):
        return await asyncio.wait_for(self.items.get(), timeout)

    def empty(self):
        return self.items.empty()


class Gate:
    """A token function that holds every connection after the first until opened: the test decides when the
    client may come back, so what happens while it is away is deterministic."""

    def __init__(self):
        self.open = asyncio.Event()
        self.open.set()
        self.connections = 0

    def close(self):
        self.open.clear()

    async def __call__(self):
        await self.open.wait()
        self.connections += 1
        return None


class FramingTest(unittest.TestCase):
    def test_topics_follow_amqp_rules(self):
        self.assertTrue(matches("a.*.c", "a.b.c"))
        self.assertFalse(matches("a.*.c", "a.c"))
        self.assertFalse(matches("a.*.c", "a.b.b.c"))
        self.assertTrue(matches("a.#", "a"))
        self.assertTrue(matches("a.#.z", "a.b.c.z"))
        self.assertTrue(matches("a.#.z", "a.z"))
        self.assertTrue(matches("#", "x.y"))
        self.assertFalse(matches("a.b", "a.b.c"))
        self.assertTrue(has_wildcard("a.*"))
        self.assertFalse(has_wildcard("a.b*"))

    def test_text_batches_and_binary_messages(self):
        self.assertEqual(decode('{"type":"pong","id":1}\n\n{"type":"pong","id":2}\n'),
                         [{"type": "pong", "id": 1}, {"type": "pong", "id": 2}])
        message = encode({"type": "pub", "topic": "a.b", "data": b"\x00\n\xff"}, "data")
        self.assertEqual(message, b'{"type":"pub","topic":"a.b"}\n\x00\n\xff')
        self.assertEqual(decode(b'{"type":"invoke","id":4,"proc":"p"}\n\x01\x02'),
                         [{"type": "invoke", "id": 4, "proc": "p", "args": b"\x01\x02"}])
        self.assertEqual(encode({"type": "pub", "topic": "a", "data": "é\n"}, "data"), '{"type":"pub","topic":"a","data":"é\\n"}')

    def test_pub_ids_are_random_and_fit_the_grammar(self):
        ids = {new_pub_id() for _ in range(100)}
        self.assertEqual(len(ids), 100)
        for i in ids:
            self.assertRegex(i, r"^[A-Za-z0-9_\-.:]{1,64}$")


class PatchTest(unittest.TestCase):
    def test_json_patch_operations(self):
        doc = {"a": [1, 2], "b": {"c": "d"}, "e~f": 1}
        patched = apply_patch(doc, [
            {"op": "add", "path": "/a/1", "value": 9},
            {"op": "add", "path": "/a/-", "value": 3},
            {"op": "remove", "path": "/b/c"},
            {"op": "replace", "path": "/e~0f", "value": 2},
            {"op": "copy", "from": "/a/0", "path": "/b/first"},
            {"op": "move", "from": "/b", "path": "/moved"},
            {"op": "test", "path": "/a", "value": [1.0, 9, 2, 3]},
        ])
        self.assertEqual(patched, {"a": [1, 9, 2, 3], "moved": {"first": 1}, "e~f": 2})
        self.assertEqual(doc, {"a": [1, 2], "b": {"c": "d"}, "e~f": 1})  # the input is left alone
        self.assertEqual(apply_patch({"x": 1}, [{"op": "replace", "path": "", "value": [1]}]), [1])

    def test_a_patch_applies_whole_or_names_the_failing_operation(self):
        for patch, index in (([{"op": "add", "path": "/x", "value": 1}, {"op": "test", "path": "/x", "value": True}], 1),
                             ([{"op": "remove", "path": "/missing"}], 0),
                             ([{"op": "add", "path": "/a/5", "value": 1}], 0),
                             ([{"op": "add", "path": "/a/01", "value": 1}], 0),
                             ([{"op": "move", "from": "/a", "path": "/a/0"}], 0),
                             ([{"op": "frobnicate", "path": "/a"}], 0),
                             ([{"op": "add", "path": "/a/~2", "value": 1}], 0)):
            with self.assertRaises(PatchError) as e:
                apply_patch({"a": [0]}, patch)
            self.assertEqual(e.exception.index, index, patch)

    def test_merge_patch(self):
        self.assertEqual(apply_merge_patch({"a": "b", "c": {"d": "e", "f": "g"}}, {"a": "z", "c": {"f": None}}),
                         {"a": "z", "c": {"d": "e"}})
        self.assertEqual(apply_merge_patch({"a": "b"}, ["c"]), ["c"])
        self.assertEqual(apply_merge_patch([1], {"a": {"b": None}}), {"a": {}})


@needs_server
class ServerTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.clients = []
        # the test runner turns on asyncio's debug mode, which logs every callback slower than 0.1 s: on a busy
        # machine that is noise
        asyncio.get_running_loop().slow_callback_duration = 2

    async def asyncTearDown(self):
        for c in self.clients:
            await c.close()

    async def client(self, **options):
        c = Ferry(WS_URL, **options)
        self.clients.append(c)
        return await c.connect()

    async def cut(self, client, gate):
        """Drops the client's connection and holds it away until ``gate`` opens; returns its state changes."""
        gate.close()
        states = Inbox()
        client.on("state", states.push)
        await client._ws.close()
        self.assertEqual(await states.next(), "disconnected")
        return states


class PubSubTest(ServerTest):
    async def test_publications_reach_matching_patterns_with_their_position(self):
        base = unique("py.pub")
        a, b = await self.client(), await self.client()
        inbox = Inbox()
        await a.subscribe(base + ".*", lambda data, d: inbox.push(data, d))
        ack = await b.publish(base + ".x", {"text": "hi"}, ack=True, tags={"region": "east"})
        self.assertIsInstance(ack, Published)
        self.assertEqual((ack.topic, ack.offset), (base + ".x", 1))
        self.assertRegex(ack.epoch, r"^[0-9a-f]+$")
        data, delivery = await inbox.next()
        self.assertEqual(data, {"text": "hi"})
        self.assertEqual((delivery.topic, delivery.pattern, delivery.epoch, delivery.offset),
                         (base + ".x", base + ".*", ack.epoch, 1))
        self.assertEqual(delivery.tags, {"region": "east"})
        await b.publish(base + ".y", b"\x00\x01\x02")
        data, delivery = await inbox.next()
        self.assertEqual((data, delivery.topic), (b"\x00\x01\x02", base + ".y"))
        self.assertEqual(a.last_offset(base + ".x"), (ack.epoch, 1))

    async def test_a_coroutine_handler_runs_and_a_filter_is_applied_by_the_server(self):
        topic = unique("py.filter")
        c = await self.client()
        inbox = Inbox()

        async def handler(data, delivery):
            inbox.push(data)

        await c.subscribe(topic, handler, filter="temp > 30")
        for temp in (10, 40, 20, 50):
            await c.publish(topic, {"temp": temp}, ack=True)
        self.assertEqual(await inbox.next(), {"temp": 40})
        self.assertEqual(await inbox.next(), {"temp": 50})
        with self.assertRaises(FerryError) as refused:
            await c.subscribe(topic + ".bad", handler, filter="temp >> 3")
        self.assertEqual(refused.exception.code, "bad_filter")
        self.assertEqual(refused.exception.data, {"column": 7})

    async def test_an_acknowledged_publication_sent_twice_with_one_pub_id_is_made_once(self):
        topic = unique("py.dedup")
        c = await self.client()
        first = await c.publish(topic, "once", ack=True, pub_id="order-17")
        again = await c.publish(topic, "once", ack=True, pub_id="order-17")
        self.assertEqual(again, first)
        page = await c.history(topic)
        self.assertEqual([item["data"] for item in page["items"]], ["once"])

    async def test_errors_carry_their_code(self):
        c = await self.client()
        with self.assertRaises(FerryError) as e:
            await c.publish("py.*", 1, ack=True)
        self.assertEqual(e.exception.code, "bad_topic")
        with self.assertRaises(FerryError) as e:
            await c.unsubscribe("never.subscribed")
        self.assertEqual(e.exception.code, "not_subscribed")

    async def test_index_and_ping(self):
        base = unique("py.index")
        c = await self.client()
        await c.subscribe(base + ".a", lambda *_: None)
        await c.ping()
        index = await c.index(base)
        self.assertEqual([child["topic"] for child in index["children"]], [base + ".a"])


class RecoveryTest(ServerTest):
    async def test_what_was_published_while_away_is_replayed_once_in_order(self):
        topic = unique("py.recover")
        gate = Gate()
        sub = await self.client(token=gate, min_delay=0.05, max_delay=0.2)
        pub = await self.client()
        inbox = Inbox()
        await sub.subscribe(topic, lambda data, d: inbox.push(data, d.offset))
        await pub.publish(topic, 1, ack=True)
        self.assertEqual(await inbox.next(), (1, 1))

        await self.cut(sub, gate)  # the connection drops; the client cannot come back until the gate opens
        for n in (2, 3, 4):
            await pub.publish(topic, n, ack=True)
        gate.open.set()
        for n in (2, 3, 4):
            self.assertEqual(await inbox.next(), (n, n))
        await pub.publish(topic, 5, ack=True)
        self.assertEqual(await inbox.next(), (5, 5))  # live after the replay, with nothing in between
        self.assertTrue(inbox.empty())
        self.assertGreaterEqual(gate.connections, 2)

    async def test_a_position_history_cannot_cover_is_reported_as_a_reset(self):
        topic = unique("py.reset")
        c = await self.client()
        await c.publish(topic, "x", ack=True)
        resets = Inbox()
        c.on("reset", lambda t, epoch, offset: resets.push(t, epoch, offset))
        await c.subscribe(topic, lambda *_: None, since=("an-epoch-long-gone", 7))
        t, epoch, offset = await resets.next()
        self.assertEqual((t, offset), (topic, 1))
        self.assertEqual(c.last_offset(topic), (epoch, 1))


class RpcTest(ServerTest):
    async def test_each_client_registers_and_calls_the_other(self):
        proc = unique("py.rpc")
        a, b = await self.client(), await self.client()

        async def add(args, invocation):
            await asyncio.sleep(0)
            return {"sum": sum(args), "proc": invocation.proc}

        await a.register(proc + ".add", add)
        await b.register(proc + ".echo", lambda args, invocation: args)
        self.assertEqual(await b.call(proc + ".add", [2, 3, 4]), {"sum": 9, "proc": proc + ".add"})
        self.assertEqual(await a.call(proc + ".echo", b"\x00bytes"), b"\x00bytes")
        self.assertIsNone(await a.call(proc + ".echo"))

    async def test_callee_errors_timeouts_and_unknown_procedures(self):
        proc = unique("py.rpcerr")
        callee, caller = await self.client(), await self.client()

        def refuse(args, invocation):
            raise FerryError("app.refused", "not today", {"retry": False})

        def crash(args, invocation):
            raise ValueError("boom")

        never = asyncio.get_running_loop().create_future()
        await callee.register(proc + ".refuse", refuse)
        await callee.register(proc + ".crash", crash)
        await callee.register(proc + ".slow", lambda args, invocation: never)
        with self.assertRaises(FerryError) as e:
            await caller.call(proc + ".refuse", [])
        self.assertEqual((e.exception.code, e.exception.message), ("callee_error", "not today"))
        self.assertEqual(e.exception.data, {"code": "app.refused", "data": {"retry": False}})
        with self.assertRaises(FerryError) as e:
            await caller.call(proc + ".crash")
        self.assertEqual((e.exception.code, e.exception.data["code"], e.exception.message), ("callee_error", "error", "boom"))
        with self.assertRaises(FerryError) as e:
            await caller.call(proc + ".slow", timeout=0.2)
        self.assertEqual(e.exception.code, "call_timeout")
        with self.assertRaises(FerryError) as e:
            await caller.call(proc + ".nobody")
        self.assertEqual(e.exception.code, "no_such_procedure")
        never.cancel()

    async def test_procedures_are_registered_again_after_a_reconnect(self):
        proc = unique("py.rereg")
        gate = Gate()
        callee = await self.client(token=gate, min_delay=0.05, max_delay=0.2)
        caller = await self.client()
        await callee.register(proc, lambda args, invocation: "here")
        states = await self.cut(callee, gate)
        gate.open.set()
        self.assertEqual(await states.next(), "connecting")
        self.assertEqual(await states.next(), "connected")
        self.assertEqual(await caller.call(proc), "here")

    async def test_progress_reaches_the_caller_and_cancelling_the_task_interrupts_the_callee(self):
        proc = unique("py.progress")
        callee, caller = await self.client(), await self.client()
        asked = []

        async def count(n, invocation):
            asked.append(invocation.receives_progress)
            for i in range(1, n + 1):
                await invocation.progress(i)
            return "done"

        interrupts = asyncio.Queue()

        async def wait(args, invocation):
            await invocation.interrupted.wait()
            await interrupts.put(invocation.interrupt_mode)
            raise FerryError("app.stopped", "stopped")

        await callee.register(proc + ".count", count)
        await callee.register(proc + ".wait", wait, invoke="single")
        seen = []
        self.assertEqual(await caller.call(proc + ".count", 3, on_progress=seen.append), "done")
        self.assertEqual(seen, [1, 2, 3])
        self.assertEqual(await caller.call(proc + ".count", 1), "done")
        self.assertEqual(asked, [True, False])

        task = asyncio.create_task(caller.call(proc + ".wait", timeout=60))
        await callee.register(proc + ".ready", lambda args, invocation: None)
        await caller.call(proc + ".ready")  # the first call was routed before this one
        task.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await task
        self.assertEqual(await asyncio.wait_for(interrupts.get(), WAIT), "killnowait")

        with self.assertRaises(FerryError) as e:
            await caller.register(proc + ".wait", wait, invoke="single")
        self.assertEqual(e.exception.code, "procedure_exists")
        listed = (await caller.procedures(proc + ".wait"))["procedures"]
        self.assertEqual([(p["proc"], p["callees"], p["invoke"]) for p in listed], [(proc + ".wait", 1, "single")])


class SessionTest(ServerTest):
    async def test_a_durable_subscription_is_resumed_with_its_session(self):
        topic = unique("py.durable")
        gate = Gate()
        sub = await self.client(token=gate, min_delay=0.05, max_delay=0.2)
        pub = await self.client()
        inbox = Inbox()
        await sub.subscribe(topic, lambda data, d: inbox.push(data, d.offset), durable=True)
        token = sub.session_token
        self.assertTrue(token)
        await pub.publish(topic, "a", ack=True)
        self.assertEqual(await inbox.next(), ("a", 1))

        states = await self.cut(sub, gate)
        await pub.publish(topic, "b", ack=True)
        await pub.publish(topic, "c", ack=True)
        gate.open.set()
        self.assertEqual(await inbox.next(), ("b", 2))
        self.assertEqual(await inbox.next(), ("c", 3))
        while await states.next() != "connected":
            pass
        self.assertTrue(sub.resumed)
        self.assertEqual(sub.session_token, token)
        index = await pub.index(topic)
        self.assertEqual(index["subscribers"], 1)  # restored by the session, not subscribed a second time
        await pub.publish(topic, "d", ack=True)
        self.assertEqual(await inbox.next(), ("d", 4))
        self.assertTrue(inbox.empty())


class PresenceTest(ServerTest):
    async def test_members_are_listed_with_their_info_and_watchers_hear_joins_and_leaves(self):
        topic = unique("py.presence")
        watcher, member = await self.client(), await self.client()
        diffs = Inbox()
        await watcher.subscribe(topic, lambda *_: None, on_presence=diffs.push)
        sub = await member.subscribe(topic, lambda *_: None, presence={"name": "Ana"})
        joins = []  # the watcher's own join (without info) and Ana's, in one push or two
        while not any(e.get("info") == {"name": "Ana"} for e in joins):
            joins += (await diffs.next())["joins"]
        self.assertEqual(sorted(e.get("info", {}).get("name", "") for e in joins), ["", "Ana"])
        page = await watcher.presence(topic)
        self.assertEqual(page["count"], 2)
        self.assertEqual(sorted(e.get("info", {}).get("name", "") for e in page["entries"]), ["", "Ana"])
        await sub.unsubscribe()
        while True:
            diff = await diffs.next()
            if any(e.get("info") == {"name": "Ana"} for e in diff["leaves"]):
                break
        with self.assertRaises(FerryError) as e:
            await member.subscribe("py.nopresence.x", lambda *_: None, presence={"name": "Bo"})
        self.assertEqual(e.exception.code, "bad_presence")

    async def test_after_a_reconnect_the_listener_hears_a_reset_and_the_info_is_listed_again(self):
        topic = unique("py.presence")
        member = await self.client(min_delay=0.05, max_delay=0.2)
        watcher = await self.client()
        mine, theirs = Inbox(), Inbox()
        await member.subscribe(topic, lambda *_: None, presence={"name": "Cy"}, on_presence=mine.push)
        await watcher.subscribe(topic, lambda *_: None, on_presence=theirs.push)
        own = await mine.next()  # a subscriber hears its own join first
        old_conn = next(e["conn"] for e in own["joins"] if e.get("info") == {"name": "Cy"})
        await member._ws.close()
        while not (await mine.next())["reset"]:
            pass
        listed = {old_conn}  # the watcher hears the old connection leave and the new one join with the same info
        while old_conn in listed or len(listed) != 1:
            diff = await theirs.next()
            listed -= {e["conn"] for e in diff["leaves"]}
            listed |= {e["conn"] for e in diff["joins"] if e.get("info") == {"name": "Cy"}}
        entries = (await watcher.presence(topic))["entries"]
        self.assertEqual(len([e for e in entries if e.get("info") == {"name": "Cy"}]), 1)


class StateTest(ServerTest):
    async def test_a_replica_follows_writes_and_conditional_writes_conflict(self):
        topic = unique("py.state")
        follower, writer = await self.client(), await self.client()
        changes = Inbox()
        replica = await follower.follow_state(topic, on_change=changes.push)
        self.assertEqual((replica.document, replica.version), ({}, 0))
        self.assertTrue((await changes.next())["snapshot"])
        written = await writer.merge_state(topic, {"title": "Sprint", "cards": []})
        self.assertEqual(written["version"], 1)
        change = await changes.next()
        self.assertEqual((change["version"], change["document"], change["snapshot"]), (1, {"title": "Sprint", "cards": []}, False))
        await writer.patch_state(topic, [{"op": "add", "path": "/cards/-", "value": "c1"}], if_version=1)
        self.assertEqual((await changes.next())["document"], {"title": "Sprint", "cards": ["c1"]})
        self.assertEqual((replica.version, replica.epoch), (2, written["epoch"]))
        with self.assertRaises(FerryError) as e:
            await writer.merge_state(topic, {"title": "late"}, if_version=1)
        self.assertEqual((e.exception.code, e.exception.data["version"]), ("state_conflict", 2))
        with self.assertRaises(FerryError) as e:
            await writer.patch_state(topic, [{"op": "remove", "path": "/nothing"}])
        self.assertEqual(e.exception.code, "invalid_patch")
        self.assertEqual((await writer.get_state(topic))["data"], {"title": "Sprint", "cards": ["c1"]})
        await replica.close()

    async def test_a_replica_catches_up_with_the_patches_it_missed_after_a_reconnect(self):
        topic = unique("py.state")
        gate = Gate()
        follower = await self.client(token=gate, min_delay=0.05, max_delay=0.2)
        writer = await self.client()
        changes = Inbox()
        replica = await follower.follow_state(topic, on_change=changes.push)
        await changes.next()
        await self.cut(follower, gate)
        await writer.merge_state(topic, {"n": 1})
        await writer.merge_state(topic, {"n": 2})
        gate.open.set()
        self.assertEqual([(await changes.next())["snapshot"] for _ in range(2)], [False, False])  # patches, not a snapshot
        self.assertEqual((replica.document, replica.version), ({"n": 2}, 2))


@needs_issuer
class JwtTest(ServerTest):
    def token(self, subject, lifetime=300):
        now = int(time.time())
        return hs256({"iss": JWT_ISSUER, "sub": subject, "iat": now, "exp": now + lifetime})

    async def test_a_token_authenticates_and_is_refreshed_with_auth(self):
        subject = "py-" + uuid.uuid4().hex[:8]
        c = await self.client(token=self.token(subject))
        fresh = self.token(subject, lifetime=600)
        answer = await c.auth(fresh)
        self.assertEqual(answer["sub"], subject)
        self.assertGreater(answer["exp"], time.time() + 500)
        self.assertEqual(c.token, fresh)
        with self.assertRaises(FerryError) as e:
            await c.auth(self.token("someone-else"))
        self.assertEqual(e.exception.code, "unauthorized")

    async def test_an_anonymous_connection_authenticates_later(self):
        subject = "py-" + uuid.uuid4().hex[:8]
        c = await self.client()
        self.assertEqual((await c.auth(self.token(subject)))["sub"], subject)

    async def test_a_bad_token_refuses_the_connection(self):
        now = int(time.time())
        expired = hs256({"iss": JWT_ISSUER, "sub": "late", "iat": now - 3600, "exp": now - 1800})
        c = Ferry(WS_URL, token=expired, reconnect=False)
        with self.assertRaises(FerryError) as e:
            await c.connect()
        self.assertEqual(e.exception.code, "unauthorized")
        self.assertRegex(str(e.exception), re.compile("401"))


if __name__ == "__main__":
    unittest.main()
