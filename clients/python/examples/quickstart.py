#!/usr/bin/env python3
"""ferry_client in a dozen lines: subscribe, register a procedure, publish, call. One JSON line on stdout.

Usage: quickstart.py [ws://127.0.0.1:8080/v1/ws]   (pip install ./clients/python first; see its README)
"""
import asyncio
import json
import sys

from ferry_client import Ferry


async def main(url):
    async with Ferry(url) as ferry:
        received = asyncio.get_running_loop().create_future()
        await ferry.subscribe("demo.#", lambda data, delivery: received.done() or received.set_result((delivery.topic, data)))
        await ferry.register("demo.add", lambda args, invocation: sum(args))
        published = await ferry.publish("demo.python", {"hello": "from python"}, ack=True)
        topic, data = await asyncio.wait_for(received, 10)
        total = await ferry.call("demo.add", [2, 3, 4])
        print(json.dumps({"offset": published.offset, "topic": topic, "data": data, "sum": total}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "ws://127.0.0.1:8080/v1/ws"))
