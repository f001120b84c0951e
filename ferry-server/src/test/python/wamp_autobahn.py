"""WAMP at /v1/wamp (docs/wamp.md) with Autobahn|Python on asyncio, next to the server's other clients.

Run as: python3 wamp_autobahn.py <wamp-url> <token> <guarded wamp-url>
The server maps realm "app1" to the topic prefix "app1"; the guarded server checks tickets (JWTs) and lets
authenticated clients subscribe to chat.#. Prints one line per check; exits 0 when all pass, 1 on the first failure.
"""

import asyncio
import os
import sys

from autobahn.asyncio.wamp import ApplicationSession
from autobahn.asyncio.websocket import WampWebSocketClientFactory
from autobahn.wamp import types
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.serializer import JsonSerializer, MsgPackSerializer

RUN = "r" + os.urandom(4).hex()
WAIT = 30


def check(ok, what, detail=""):
    if not ok:
        raise AssertionError(what + (f"\n    {detail}" if detail else ""))
    print(f"ok   - {what}", flush=True)


class Client(ApplicationSession):
    """A session that reports its join (or its abort) through futures."""

    def __init__(self, config, ticket, joined):
        super().__init__(config)
        self.ticket = ticket
        self.joined_f = joined

    def onConnect(self):
        if self.ticket is None:
            self.join(self.config.realm)
        else:
            self.join(self.config.realm, authmethods=["ticket"], authid="alice")

    def onChallenge(self, challenge):
        return self.ticket

    def onJoin(self, details):
        if not self.joined_f.done():
            self.joined_f.set_result((self, details))

    def onDisconnect(self):
        if not self.joined_f.done():
            self.joined_f.set_exception(RuntimeError("disconnected before joining"))

    def onLeave(self, details):
        if not self.joined_f.done():
            self.joined_f.set_exception(RuntimeError(f"left: {details.reason} {details.message}"))
        self.disconnect()


async def join(url, realm, serializer, ticket=None):
    loop = asyncio.get_event_loop()
    joined = loop.create_future()
    factory = WampWebSocketClientFactory(lambda: Client(types.ComponentConfig(realm=realm), ticket, joined),
                                         url=url, serializers=[serializer])
    await loop.create_connection(factory, factory.host, factory.port)
    return await asyncio.wait_for(joined, WAIT)


async def scenario(url, token, guarded):
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

        async def slow():
            started.set_result(True)
            await asyncio.sleep(3600)

        await a.register(slow, f"com.example.{RUN}.{name}.slow")
        call = asyncio.ensure_future(b.call(f"com.example.{RUN}.{name}.slow"))
        await asyncio.wait_for(started, WAIT)
        call.cancel()  # Autobahn|Python sends CANCEL; the callee's coroutine is cancelled by its INTERRUPT
        try:
            await call
            check(False, f"[{name}] a canceled call fails")
        except (asyncio.CancelledError, ApplicationError):
            check(True, f"[{name}] a canceled call ends")

        c, _ = await join(url, "app1", serializer)
        hits = []
        await a.register(lambda: hits.append("a"), f"com.example.{RUN}.{name}.shared", options=types.RegisterOptions(invoke="roundrobin"))
        await c.register(lambda: hits.append("c"), f"com.example.{RUN}.{name}.shared", options=types.RegisterOptions(invoke="roundrobin"))
        for _ in range(4):
            await b.call(f"com.example.{RUN}.{name}.shared")
        check(sorted(hits) == ["a", "a", "c", "c"], f"[{name}] roundrobin registrations share the calls", str(hits))
        try:
            await b.call(f"com.example.{RUN}.nobody")
            check(False, "a call nobody registered fails")
        except ApplicationError as e:
            check(e.error == "wamp.error.no_such_procedure", f"[{name}] no_such_procedure", e.error)
        for s in (a, b, c):
            s.leave()

    t, details = await join(guarded, "realm1", JsonSerializer(), ticket=token)
    check(details.authmethod == "ticket" and details.authid == "alice", "a JWT as ticket authenticates as its sub")
    await t.subscribe(lambda *a: None, "chat.room")
    try:
        await t.subscribe(lambda *a: None, "secret.room")
        check(False, "a subscription auth.rules deny is refused")
    except ApplicationError as e:
        check(e.error == "wamp.error.not_authorized", "a denied subscription fails with wamp.error.not_authorized", e.error)
    t.leave()
    try:
        await join(guarded, "realm1", JsonSerializer(), ticket="not-a-token")
        check(False, "a bad ticket is refused")
    except RuntimeError as e:
        check("wamp.error.authentication_failed" in str(e), "a bad ticket is aborted with wamp.error.authentication_failed", str(e))


def main():
    url, token, guarded = sys.argv[1], sys.argv[2], sys.argv[3]
    for u in (url, guarded):
        if "//127.0.0.1:" not in u:
            print(f"FAIL - refusing to connect to {u}: loopback only")
            sys.exit(1)
    try:
        asyncio.run(asyncio.wait_for(scenario(url, token, guarded), 150))
        print("PASS - wamp_autobahn.py")
    except BaseException as e:  # a failed check, a timeout or an error of the client
        print(f"FAIL - {type(e).__name__}: {e}")
        sys.exit(1)


if __name__ == "__main__":
    main()
