#!/usr/bin/env python3
"""pika (AMQP 0-9-1) through `ferry tunnel`: publishes to RabbitMQ and consumes back, over the local listener.

Usage: pika_through_tunnel.py PORT   (the local port of `ferry tunnel`, whose route leads to RabbitMQ)

Declares an exclusive queue bound to amq.topic under a routing key of its own, publishes with publisher
confirms (small messages, then one of 1 MiB, which spans many WebSocket messages), consumes them all back with
acknowledgements, and prints one JSON line with what it saw. Exits non-zero on any mismatch or timeout.
"""
import json
import sys
import uuid

import pika

COUNT = 200
LARGE = 1024 * 1024


def main(port):
    params = pika.ConnectionParameters(
        host="127.0.0.1", port=port, credentials=pika.PlainCredentials("guest", "guest"),
        connection_attempts=3, retry_delay=1, socket_timeout=30, blocked_connection_timeout=60, heartbeat=30)
    connection = pika.BlockingConnection(params)
    channel = connection.channel()
    channel.confirm_delivery()
    key = "ferry.tunnel." + uuid.uuid4().hex
    queue = channel.queue_declare(queue="", exclusive=True, auto_delete=True).method.queue
    channel.queue_bind(queue=queue, exchange="amq.topic", routing_key=key)

    sent = [json.dumps({"n": n}).encode() for n in range(COUNT)]
    sent.append(bytes(range(256)) * (LARGE // 256))
    for body in sent:
        # with confirms on, basic_publish returns once the broker confirmed; it raises if the broker refused
        channel.basic_publish(exchange="amq.topic", routing_key=key, body=body,
                              properties=pika.BasicProperties(content_type="application/octet-stream"),
                              mandatory=True)

    received = []
    for method, _properties, body in channel.consume(queue, inactivity_timeout=60):
        if method is None:
            raise SystemExit(f"nothing more within 60 s after {len(received)} of {len(sent)} messages")
        received.append(body)
        channel.basic_ack(method.delivery_tag)
        if len(received) == len(sent):
            break
    channel.cancel()
    if received != sent:
        raise SystemExit("the messages consumed differ from those published")
    server = connection._impl.server_properties.get("product", b"")
    connection.close()
    print(json.dumps({"published": len(sent), "consumed": len(received), "largest": max(map(len, received)),
                      "broker": server.decode() if isinstance(server, bytes) else server}))


if __name__ == "__main__":
    main(int(sys.argv[1]))
