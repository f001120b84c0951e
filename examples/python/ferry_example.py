#!/usr/bin/env python3
"""A Ferry client in a few lines of Python, written from docs/protocol.md alone.

It subscribes to a pattern, registers a procedure, publishes, and calls the procedure, over one ferry.v1
WebSocket. Usage: ferry_example.py [ws://127.0.0.1:8080/v1/ws]   (needs the `websockets` package:
Debian's python3-websockets, or pip install websockets)
"""
import asyncio
import itertools
import json
import sys

import websockets


class Ferry:
    """ferry.v1 over one WebSocket: commands with ids, replies matched by id, pushes dispatched."""

    def __init__(self, ws):
        self.ws = ws
        self.ids = itertools.count(1)
        self.pending = {}
        self.handlers = {}      # pattern -> callback(topic, data)
        self.procedures = {}    # name -> callable(args) -> result
        self.reader = asyncio.ensure_future(self._read())

    @classmethod
    async def connect(cls, url):
        return cls(await websockets.connect(url, subprotocols=["ferry.v1"]))

    async def request(self, frame):
        frame["id"] = next(self.ids)
        reply = asyncio.get_running_loop().create_future()
        self.pending[frame["id"]] = reply
        await self.ws.send(json.dumps(frame, separators=(",", ":")))
        return await asyncio.wait_for(reply, 10)

    async def subscribe(self, pattern, handler):
        self.handlers[pattern] = handler
        return await self.request({"type": "sub", "topic": pattern})

    async def publish(self, topic, data):
        return (await self.request({"type": "pub", "topic": topic, "data": data, "ack": True}))["offset"]

    async def register(self, proc, fn):
        self.procedures[proc] = fn
        return await self.request({"type": "register", "proc": proc})

    async def call(self, proc, args, timeout_ms=5000):
        return await self.request({"type": "call", "proc": proc, "args": args, "timeout": timeout_ms})

    async def _read(self):
        async for message in self.ws:
            if isinstance(message, bytes):
                continue  # binary frames: header + LF + payload (not used here)
            for line in message.split("\n"):  # several frames may share one message
                if line:
                    await self._on_frame(json.loads(line))

    async def _on_frame(self, f):
        kind = f["type"]
        if kind in ("result", "error", "pong") and f.get("id") in self.pending:
            reply = self.pending.pop(f["id"])
            if kind == "error":
                reply.set_exception(RuntimeError(f"{f['code']}: {f['message']}"))
            else:
                reply.set_result(f.get("data"))
        elif kind == "msg":
            for pattern, handler in self.handlers.items():
                if matches(pattern, f["topic"]):
                    handler(f["topic"], f["data"])
        elif kind == "invoke":
            try:
                reply = {"type": "reply", "id": f["id"], "data": self.procedures[f["proc"]](f.get("args"))}
            except Exception as e:  # the callee's error reaches the caller as callee_error
                reply = {"type": "reply", "id": f["id"], "error": {"code": "app.error", "message": str(e)}}
            await self.ws.send(json.dumps(reply))

    async def close(self):
        await self.ws.close()
        self.reader.cancel()


def matches(pattern, topic):
    """AMQP topic matching: '*' is one word, '#' zero or more."""
    p, t = pattern.split("."), topic.split(".")

    def m(i, j):
        if i == len(p):
            return j == len(t)
        if p[i] == "#":
            return any(m(i + 1, k) for k in range(j, len(t) + 1))
        return j < len(t) and p[i] in ("*", t[j]) and m(i + 1, j + 1)

    return m(0, 0)


async def main(url):
    ferry = await Ferry.connect(url)
    received = asyncio.get_running_loop().create_future()
    await ferry.subscribe("demo.#", lambda topic, data: received.done() or received.set_result((topic, data)))
    await ferry.register("demo.add", lambda args: sum(args))
    offset = await ferry.publish("demo.python", {"hello": "from python"})
    topic, data = await asyncio.wait_for(received, 10)
    total = await ferry.call("demo.add", [2, 3, 4])
    print(json.dumps({"offset": offset, "topic": topic, "data": data, "sum": total}))
    await ferry.close()
    assert data == {"hello": "from python"} and total == 9 and offset >= 1


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "ws://127.0.0.1:8080/v1/ws"))
