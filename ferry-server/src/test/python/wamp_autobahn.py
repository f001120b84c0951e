"""WAMP at /v1/wamp (docs/wamp.md) with Autobahn|Python on asyncio, next to the server's other clients.

Run as: python3 wamp_autobahn.py <wamp-url> <token> <guarded wamp-url> <authid> <api-key>
The server maps realm "app1" to the topic prefix "app1"; the guarded server checks tickets (JWTs), lets
authenticated clients subscribe to chat.#, and has the API key <api-key> named <authid>, which grants call and
register on math.* (for wampcra). The ferry.v1 client next to the WAMP sessions is Autobahn|Python's own WebSocket
client speaking ferry.v1 (docs/protocol.md) on /v1/ws. Prints one line per check; exits 0 when all pass, 1 on the
first failure.
"""

import asyncio
import json
import os
import sys

from autobahn.asyncio.wamp import ApplicationSession
from autobahn.asyncio.websocket import WampWebSocketClientFactory, WebSocketClientFactory, WebSocketClientProtocol
from autobahn.wamp import auth, types
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.serializer import JsonSerializer, MsgPackSerializer

RUN = "r" + os.urandom(4).hex()
WAIT = 30


def check(ok, what, detail=""):
    if not ok:
        raise AssertionError(what + (f"\n    {detail}" if detail else ""))
    print(f"ok   - {what}", flush=True)


class Client(ApplicationSession):
    """A session that reports its join (or its abort) through futures; `credentials`: None (anonymous), a ticket,
    or (authid, key) for wampcra."""

    def __init__(self, config, credentials, joined):
        super().__init__(config)
        self.credentials = credentials
        self.joined_f = joined
        self.left_f = asyncio.get_event_loop().create_future()

    def onConnect(self):
        if self.credentials is None:
            self.join(self.config.realm)
        elif isinstance(self.credentials, tuple):
            self.join(self.config.realm, authmethods=["wampcra"], authid=self.credentials[0])
        else:
            self.join(self.config.realm, authmethods=["ticket"], authid="alice")

    def onChallenge(self, challenge):
        if challenge.method == "wampcra":
            return auth.compute_wcs(self.credentials[1], challenge.extra["challenge"]).decode("ascii")
        return self.credentials

    def onJoin(self, details):
        if not self.joined_f.done():
            self.joined_f.set_result((self, details))

    def onDisconnect(self):
        if not self.joined_f.done():
            self.joined_f.set_exception(RuntimeError("disconnected before joining"))

    def onLeave(self, details):
        if not self.joined_f.done():
            self.joined_f.set_exception(RuntimeError(f"left: {details.reason} {details.message}"))
        if not self.left_f.done():
            self.left_f.set_result(details.reason)
        self.disconnect()


async def join(url, realm, serializer, credentials=None):
    loop = asyncio.get_event_loop()
    joined = loop.create_future()
    factory = WampWebSocketClientFactory(lambda: Client(types.ComponentConfig(realm=realm), credentials, joined),
                                         url=url, serializers=[serializer])
    await loop.create_connection(factory, factory.host, factory.port)
    return await asyncio.wait_for(joined, WAIT)


class FerryV1(WebSocketClientProtocol):
    """A ferry.v1 client (docs/protocol.md): JSON frames, one per line of a text message."""

    def __init__(self):
        super().__init__()
        self.frames = []
        self.arrived = asyncio.Event()

    def onOpen(self):
        self.factory.opened.set_result(self)

    def onMessage(self, payload, is_binary):
        for line in payload.decode("utf-8").split("\n"):
            if line:
                self.frames.append(json.loads(line))
        self.arrived.set()

    def send_frame(self, frame):
        self.sendMessage(json.dumps(frame).encode("utf-8"), isBinary=False)

    async def next(self, what, match):
        """The first frame received that `match` accepts (others stay queued), failing after WAIT seconds."""
        async def find():
            while True:
                for i, f in enumerate(self.frames):
                    if match(f):
                        return self.frames.pop(i)
                self.arrived.clear()
                await self.arrived.wait()
        try:
            return await asyncio.wait_for(find(), WAIT)
        except asyncio.TimeoutError:
            raise AssertionError(f"ferry.v1: timed out waiting for {what}; queued: {self.frames}")

    async def request(self, frame):
        """Sends a frame with an id and returns the result or error of that id."""
        self.send_frame(frame)
        return await self.next(f"the answer to {frame}", lambda f: f.get("id") == frame["id"]
                               and f.get("type") in ("result", "error"))


async def ferry_v1(wamp_url):
    url = wamp_url.replace("/v1/wamp", "/v1/ws")
    factory = WebSocketClientFactory(url, protocols=["ferry.v1"])
    factory.protocol = FerryV1
    factory.opened = asyncio.get_event_loop().create_future()
    await asyncio.get_event_loop().create_connection(factory, factory.host, factory.port)
    return await asyncio.wait_for(factory.opened, WAIT)


def waiter():
    """A future and a callback that resolves it once with its arguments (args, kwargs)."""
    f = asyncio.get_event_loop().create_future()

    def resolve(*args, **kwargs):
        if not f.done():
            f.set_result((args, kwargs))
    return f, resolve


async def cross_protocol(url, name, a, b):
    """A ferry.v1 client on the same topics and procedures as the WAMP sessions, both ways."""
    ferry = await ferry_v1(url)
    topic = f"com.example.{RUN}.{name}.cross"
    answer = await ferry.request({"type": "sub", "id": 1, "topic": f"app1.{topic}"})
    check(answer["type"] == "result", f"[{name}] ferry.v1 subscribes to app1.{topic}", str(answer))
    got, on_event = waiter()
    await b.subscribe(on_event, topic)
    await a.publish(topic, "to both", options=types.PublishOptions(acknowledge=True))
    msg = await ferry.next("msg from WAMP", lambda f: f.get("type") == "msg")
    check(msg["topic"] == f"app1.{topic}" and msg["data"] == "to both",
          f"[{name}] a WAMP publication [\"to both\"] reaches ferry.v1 as \"to both\"", str(msg))
    args, kwargs = await asyncio.wait_for(got, WAIT)
    check(args == ("to both",), f"[{name}] and the WAMP subscriber", f"{args} {kwargs}")

    got, on_event = waiter()
    await b.subscribe(on_event, topic + ".back")
    ferry.send_frame({"type": "pub", "topic": f"app1.{topic}.back", "data": {"text": "from ferry.v1"}})
    args, kwargs = await asyncio.wait_for(got, WAIT)
    check(args == () and kwargs == {"text": "from ferry.v1"}, f"[{name}] a ferry.v1 object arrives as kwargs", f"{args} {kwargs}")

    answer = await ferry.request({"type": "register", "id": 2, "proc": f"app1.com.example.{RUN}.{name}.mul"})
    check(answer["type"] == "result", f"[{name}] ferry.v1 registers a procedure", str(answer))
    call = asyncio.ensure_future(b.call(f"com.example.{RUN}.{name}.mul", 6, 7))
    inv = await ferry.next("invoke", lambda f: f.get("type") == "invoke")
    check(inv["args"] == [6, 7], f"[{name}] the ferry.v1 callee gets the WAMP arguments as a list", str(inv))
    ferry.send_frame({"type": "reply", "id": inv["id"], "data": inv["args"][0] * inv["args"][1]})
    check(await asyncio.wait_for(call, WAIT) == 42, f"[{name}] a WAMP caller gets a ferry.v1 callee's result")

    await a.register(lambda x, y: x + y, f"com.example.{RUN}.{name}.sum")
    answer = await ferry.request({"type": "call", "id": 3, "proc": f"app1.com.example.{RUN}.{name}.sum", "args": [20, 22]})
    check(answer == {"type": "result", "id": 3, "data": 42}, f"[{name}] a ferry.v1 caller gets a WAMP callee's result", str(answer))
    ferry.sendClose()


async def meta(url, name, serializer, a, b, sessions):
    """The session meta API (count, list, get, on_join, on_leave) and wamp.subscription.get_events."""
    joined, on_join = waiter()
    left, on_leave = waiter()
    await a.subscribe(on_join, "wamp.session.on_join")
    await a.subscribe(on_leave, "wamp.session.on_leave")
    d, _ = await join(url, "app1", serializer)
    (info,), _ = await asyncio.wait_for(joined, WAIT)
    check(info["session"] == d.session_id and info["authrole"] == "anonymous",
          f"[{name}] wamp.session.on_join tells the new session with its details", str(info))
    count = await a.call("wamp.session.count")
    check(count == sessions + 1, f"[{name}] wamp.session.count counts the realm's sessions", f"{count}, expected {sessions + 1}")
    listed = await a.call("wamp.session.list")
    check(d.session_id in listed and len(listed) == count, f"[{name}] wamp.session.list names them", str(listed))
    got = await a.call("wamp.session.get", d.session_id)
    check(got["session"] == d.session_id and got["authid"] == "anonymous" and got["authmethod"] == "anonymous",
          f"[{name}] wamp.session.get details one", str(got))
    try:
        await a.call("wamp.session.get", 1)
        check(False, f"[{name}] wamp.session.get of an unknown session fails")
    except ApplicationError as e:
        check(e.error == "wamp.error.no_such_session", f"[{name}] wamp.session.get of an unknown session: no_such_session", e.error)
    d_id = d.session_id
    d.leave()
    (gone, *_), _ = await asyncio.wait_for(left, WAIT)
    check(gone == d_id, f"[{name}] wamp.session.on_leave tells the session that left", str(gone))

    topic = f"com.example.{RUN}.{name}.history"
    sub = await b.subscribe(lambda *args, **kwargs: None, topic)
    for i in range(3):
        await a.publish(topic, f"event {i}", n=i, options=types.PublishOptions(acknowledge=True))
    events = await b.call("wamp.subscription.get_events", sub.id, 2)
    check([(e["args"], e["kwargs"]) for e in events] == [(["event 1"], {"n": 1}), (["event 2"], {"n": 2})]
          and all(e["subscription"] == sub.id and e["topic"] == topic for e in events),
          f"[{name}] wamp.subscription.get_events returns the latest events, oldest first", str(events))


async def patterns(name, a, b):
    """A prefix registration gets the concrete procedure in details.procedure. Autobahn|Python 22 has no
    disclose_me for a caller (Autobahn|JS's check covers caller disclosure): its calls arrive without a caller."""
    async def anything(*args, details=None):
        return [details.procedure, details.caller, list(args)]

    await a.register(anything, f"pat.{RUN}.{name}",
                     options=types.RegisterOptions(match="prefix", details_arg="details"))
    proc, caller, args = await b.call(f"pat.{RUN}.{name}.deep.op", 1, "two")
    check(proc == f"pat.{RUN}.{name}.deep.op" and args == [1, "two"],
          f"[{name}] a prefix registration gets the concrete procedure and the arguments", f"{proc} {args}")
    check(caller is None, f"[{name}] a caller that did not disclose itself is not named to the callee", str(caller))
    await a.register(lambda *args, details=None: details.procedure, f"wpat.{RUN}.{name}..op",
                     options=types.RegisterOptions(match="wildcard", details_arg="details"))
    proc = await b.call(f"wpat.{RUN}.{name}.any.op")
    check(proc == f"wpat.{RUN}.{name}.any.op", f"[{name}] a wildcard registration matches an empty component to any word", proc)
    await a.register(lambda: "exact", f"pat.{RUN}.{name}.exact")
    check(await b.call(f"pat.{RUN}.{name}.exact") == "exact", f"[{name}] an exact registration wins over a prefix one")


async def scenario(url, token, guarded, authid, key):
    for serializer in (JsonSerializer(), MsgPackSerializer()):
        name = serializer.SERIALIZER_ID
        a, _ = await join(url, "app1", serializer)
        b, details = await join(url, "app1", serializer)
        check(details.realm == "app1", f"[{name}] Autobahn|Python joins realm app1")
        topic = f"com.example.{RUN}.{name}"

        got = asyncio.get_event_loop().create_future()
        await b.subscribe(lambda *args, **kwargs: got.done() or got.set_result((args, kwargs)), topic)
        pub = await a.publish(topic, "hello", 2, n=1, options=types.PublishOptions(acknowledge=True))
        check(pub.id > 0, f"[{name}] publish with acknowledge gives a publication id")
        args, kwargs = await asyncio.wait_for(got, WAIT)
        check(args == ("hello", 2) and kwargs == {"n": 1}, f"[{name}] the subscriber gets args and kwargs", f"{args} {kwargs}")

        got = asyncio.get_event_loop().create_future()
        await b.subscribe(lambda *args, **kwargs: got.done() or got.set_result(kwargs["details"].topic),
                          f"org.{RUN}.{name}", options=types.SubscribeOptions(match="prefix", details_arg="details"))
        await a.publish(f"org.{RUN}.{name}.deep.er", 1, options=types.PublishOptions(acknowledge=True))
        check(await asyncio.wait_for(got, WAIT) == f"org.{RUN}.{name}.deep.er", f"[{name}] prefix subscription")

        got = asyncio.get_event_loop().create_future()
        await b.subscribe(lambda *args, **kwargs: got.done() or got.set_result(kwargs["details"].topic),
                          f"wild.{RUN}.{name}..end", options=types.SubscribeOptions(match="wildcard", details_arg="details"))
        await a.publish(f"wild.{RUN}.{name}.mid.end", 1, options=types.PublishOptions(acknowledge=True))
        check(await asyncio.wait_for(got, WAIT) == f"wild.{RUN}.{name}.mid.end", f"[{name}] wildcard subscription")

        await a.register(lambda x, y: x + y, f"com.example.{RUN}.{name}.add")
        check(await b.call(f"com.example.{RUN}.{name}.add", 2, 3) == 5, f"[{name}] a call gets the callee's result")

        blob = bytes(range(256))
        await a.register(lambda data: data[::-1], f"com.example.{RUN}.{name}.rev")
        check(await b.call(f"com.example.{RUN}.{name}.rev", blob) == blob[::-1], f"[{name}] binary arguments and results round-trip")

        async def count(n, details=None):
            for i in range(n):
                details.progress(i)
            return "done"

        await a.register(count, f"com.example.{RUN}.{name}.count", options=types.RegisterOptions(details_arg="details"))
        seen = []
        result = await b.call(f"com.example.{RUN}.{name}.count", 3,
                              options=types.CallOptions(on_progress=lambda i: seen.append(i)))
        check(result == "done" and seen == [0, 1, 2], f"[{name}] progressive results, then the final one", f"{seen} {result}")

        started = asyncio.get_event_loop().create_future()
        interrupted = asyncio.get_event_loop().create_future()

        async def slow():
            started.set_result(True)
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                interrupted.set_result(True)
                raise

        await a.register(slow, f"com.example.{RUN}.{name}.slow")
        call = asyncio.ensure_future(b.call(f"com.example.{RUN}.{name}.slow"))
        await asyncio.wait_for(started, WAIT)
        call.cancel()  # Autobahn|Python sends CANCEL; the callee's coroutine is cancelled by its INTERRUPT
        try:
            await call
            check(False, f"[{name}] a canceled call fails")
        except (asyncio.CancelledError, ApplicationError):
            pass
        check(await asyncio.wait_for(interrupted, WAIT), f"[{name}] a canceled call's callee is interrupted (INTERRUPT)")

        c, _ = await join(url, "app1", serializer)
        hits = []
        await a.register(lambda: hits.append("a"), f"com.example.{RUN}.{name}.shared", options=types.RegisterOptions(invoke="roundrobin"))
        await c.register(lambda: hits.append("c"), f"com.example.{RUN}.{name}.shared", options=types.RegisterOptions(invoke="roundrobin"))
        for _ in range(4):
            await b.call(f"com.example.{RUN}.{name}.shared")
        check(sorted(hits) == ["a", "a", "c", "c"], f"[{name}] roundrobin registrations share the calls", str(hits))
        try:
            await b.register(lambda: "b", f"com.example.{RUN}.{name}.shared")
            check(False, f"[{name}] a single registration of a shared procedure is refused")
        except ApplicationError as e:
            check(e.error == "wamp.error.procedure_already_exists", f"[{name}] a single registration of a shared procedure: procedure_already_exists", e.error)

        await cross_protocol(url, name, a, b)
        await patterns(name, a, b)
        if name == "json":  # the realm then holds this script's sessions a, b and c only
            await meta(url, name, serializer, a, b, 3)
        try:
            await b.call(f"com.example.{RUN}.nobody")
            check(False, "a call nobody registered fails")
        except ApplicationError as e:
            check(e.error == "wamp.error.no_such_procedure", f"[{name}] no_such_procedure", e.error)
        for s in (a, b, c):
            s.leave()

    t, details = await join(guarded, "realm1", JsonSerializer(), token)
    check(details.authmethod == "ticket" and details.authid == "alice", "a JWT as ticket authenticates as its sub")
    await t.subscribe(lambda *a: None, "chat.room")
    try:
        await t.subscribe(lambda *a: None, "secret.room")
        check(False, "a subscription auth.rules deny is refused")
    except ApplicationError as e:
        check(e.error == "wamp.error.not_authorized", "a denied subscription fails with wamp.error.not_authorized", e.error)
    t.leave()
    try:
        await join(guarded, "realm1", JsonSerializer(), "not-a-token")
        check(False, "a bad ticket is refused")
    except RuntimeError as e:
        check("wamp.error.authentication_failed" in str(e), "a bad ticket is aborted with wamp.error.authentication_failed", str(e))

    k, details = await join(guarded, "realm1", MsgPackSerializer(), (authid, key))
    check(details.authmethod == "wampcra" and details.authid == authid, "wampcra with an API key authenticates as its name",
          f"{details.authmethod} {details.authid}")
    await k.register(lambda x: 2 * x, "math.twice")
    check(await k.call("math.twice", 21) == 42, "the key's grants allow register and call of math.*")
    try:
        await k.subscribe(lambda *a: None, "chat.room")
        check(False, "a subscription the key does not grant is refused")
    except ApplicationError as e:
        check(e.error == "wamp.error.not_authorized", "a subscription the key does not grant: wamp.error.not_authorized", e.error)
    k.leave()
    try:
        await join(guarded, "realm1", JsonSerializer(), (authid, "not-the-key-0123456789"))
        check(False, "a wrong wampcra signature is refused")
    except RuntimeError as e:
        check("wamp.error.authentication_failed" in str(e), "a wrong wampcra signature is aborted with wamp.error.authentication_failed", str(e))


def main():
    url, token, guarded, authid, key = sys.argv[1:6]
    for u in (url, guarded):
        if "//127.0.0.1:" not in u:
            print(f"FAIL - refusing to connect to {u}: loopback only")
            sys.exit(1)
    try:
        asyncio.run(asyncio.wait_for(scenario(url, token, guarded, authid, key), 200))
        print("PASS - wamp_autobahn.py")
    except BaseException as e:  # a failed check, a timeout or an error of the client
        print(f"FAIL - {type(e).__name__}: {e}")
        sys.exit(1)


if __name__ == "__main__":
    main()
