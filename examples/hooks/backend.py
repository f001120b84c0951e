#!/usr/bin/env python3
"""An application behind Ferry, answering its backend hooks (docs/hooks.md).

Python 3 standard library only. Run:  python3 backend.py PORT [TTL]   (0 picks a free port; the port is printed as
"listening on PORT"; TTL is how long the identities it gives last, in seconds, default 3600). Then point Ferry at it, e.g.

    ferry serve --set hooks.connect.url=http://127.0.0.1:PORT/ferry/connect \
                --set hooks.refresh.url=http://127.0.0.1:PORT/ferry/refresh \
                --set hooks.subscribe.rooms.pattern='room.*' \
                --set hooks.subscribe.rooms.url=http://127.0.0.1:PORT/ferry/subscribe \
                --set hooks.publish.chat.pattern='chat.#' \
                --set hooks.publish.chat.url=http://127.0.0.1:PORT/ferry/publish \
                --set hooks.rpc.calc.pattern='calc.*' \
                --set hooks.rpc.calc.url=http://127.0.0.1:PORT/ferry/rpc \
                --set hooks.events.url=http://127.0.0.1:PORT/ferry/events

The application keeps cookie sessions: POST /login with {"user": "alice"} sets the cookie "sid"; a browser that
then opens a Ferry connection sends the cookie with it, and the connect hook names the user. Routes are grouped
below by what they serve: the application's own pages, then each Ferry hook.

Any hook URL accepts ?delay=SECONDS, which makes the answer wait that long (to show Ferry's timeouts).
"""

import json
import secrets
import sys
import threading
import time
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# How long an identity given by the connect and refresh hooks lasts, in seconds.
IDENTITY_TTL = 3600
# Users the application refuses at connect time.
BANNED = {"mallory"}
# Rooms (topic room.<name>) and their members: the subscribe hook admits members only.
ROOMS = {"lobby": None, "staff": {"alice"}}  # None: everyone may join
# Words the publish hook masks in chat messages.
MASKED = {"darn", "heck"}

sessions = {}  # sid -> user
sessions_lock = threading.Lock()

# The time the expiries it gives are counted from: the real time, unless POST /clock pinned it (Unix seconds).
pinned_now = None


def now():
    return pinned_now if pinned_now is not None else time.time()


def user_of(headers):
    """The user of the session cookie among the forwarded headers, or None."""
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("Cookie", ""))
    except Exception:
        return None
    sid = cookie.get("sid")
    if sid is None:
        return None
    with sessions_lock:
        return sessions.get(sid.value)


# ---------------------------------------------------------------- the application's own routes

def login(body, handler):
    """POST /login {"user": "alice"}: opens a cookie session (a real application would check a password)."""
    user = str(body.get("user", "")).strip()
    if not user:
        return 400, {"error": "user missing"}
    sid = secrets.token_hex(16)
    with sessions_lock:
        sessions[sid] = user
    handler.extra_headers.append(("Set-Cookie", "sid=%s; Path=/; HttpOnly; SameSite=Lax" % sid))
    return 200, {"user": user}


def logout(body, handler):
    """POST /logout: ends the session of the cookie; the next refresh of its connections refuses them."""
    cookie = SimpleCookie()
    cookie.load(handler.headers.get("Cookie", ""))
    sid = cookie.get("sid")
    if sid is not None:
        with sessions_lock:
            sessions.pop(sid.value, None)
    return 200, {}


def set_clock(body, handler):
    """POST /clock {"now": 1767225600}: counts expiries from that time (Unix seconds) until told again;
    {"now": null} goes back to the real time. For tests that run Ferry on a clock of their own."""
    global pinned_now
    value = body.get("now")
    pinned_now = None if value is None else float(value)
    return 200, {"now": now()}


# ---------------------------------------------------------------- Ferry hooks: connect and refresh

def identity(user):
    """A connect or refresh answer for a user: identity, grants, server-side subscriptions, expiry."""
    return {
        "user": user,
        "grants": {
            "subscribe": ["chat.#", "room.*", "news.#", "user." + user],
            "publish": ["chat.#", "room.*"],
            "call": ["app.#"],
            "presence": ["room.*"],
        },
        "claims": {"role": "staff" if user == "alice" else "member"},
        "info": {"name": user.capitalize()},
        "subs": ["user." + user],
        "expire_at": int(now()) + IDENTITY_TTL,
    }


def connect(body, handler):
    """POST /ferry/connect: who a new connection is, from the session cookie Ferry forwards."""
    user = user_of(body.get("headers", {}))
    if user is None:
        return 200, {"refuse": {"code": "login_required", "reason": "log in first"}}
    if user in BANNED:
        return 200, {"refuse": {"code": "banned", "reason": "user %s is banned" % user}}
    return 200, identity(user)


def refresh(body, handler):
    """POST /ferry/refresh: extends the identity of a connection whose user is still known."""
    user = body.get("user", "")
    with sessions_lock:
        known = user in sessions.values()
    if not known:
        return 200, {"refuse": {"code": "logged_out", "reason": "the session of %s ended" % user}}
    return 200, identity(user)


# ---------------------------------------------------------------- Ferry hooks: subscribe and publish

def subscribe(body, handler):
    """POST /ferry/subscribe: room.<name> admits its members only."""
    topic = body.get("topic", "")
    room = topic[len("room."):] if topic.startswith("room.") else None
    members = ROOMS.get(room, set()) if room is not None else None
    if room is not None and members is not None and body.get("user") not in members:
        return 200, {"refuse": {"code": "not_a_member", "reason": "%s is for members only" % topic}}
    return 200, {}


def publish(body, handler):
    """POST /ferry/publish: masks some words in chat messages; refuses messages without text.

    A message with a number "hold" (seconds, at most 10) is answered that much later, so that publications of
    one connection are answered in another order than they were sent."""
    data = body.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        return 200, {"refuse": {"code": "no_text", "reason": "a chat message needs a text"}}
    hold = data.get("hold")
    if isinstance(hold, (int, float)) and not isinstance(hold, bool) and 0 < hold <= 10:
        time.sleep(hold)
    words = data["text"].split(" ")
    masked = ["*" * len(w) if w.lower() in MASKED else w for w in words]
    if masked != words:
        data = dict(data, text=" ".join(masked))
        return 200, {"data": data}
    return 200, {}


# ---------------------------------------------------------------- Ferry hooks: rpc (procedures served over HTTP)
#
# Body: {"procedure", "args" (or "args_base64"), "call_id", "timeout_ms",
#        "caller": {"transport", "connection", "user", "auth", "claims"}}
# Answer: {"result": <any JSON>} or {"error": {"code", "message", "data"}}.

def rpc_add(args, call):
    return {"result": sum(args)}


def rpc_slow(args, call):
    """Answers after args["ms"] milliseconds (default 1000)."""
    time.sleep(args.get("ms", 1000) / 1000.0)
    return {"result": "slept"}


def rpc_fail(args, call):
    return {"error": {"code": "app.refused", "message": "the application refused this call", "data": {"args": args}}}


def rpc_whoami(args, call):
    return {"result": call["caller"]}


# By the last word of the procedure, so that any pattern (calc.*, app.#) reaches them.
PROCEDURES = {
    "add": rpc_add,
    "slow": rpc_slow,
    "fail": rpc_fail,
    "whoami": rpc_whoami,
}


def rpc(body, handler):
    """POST /ferry/rpc: a call of a procedure a hooks.rpc rule serves."""
    word = str(body.get("procedure")).rsplit(".", 1)[-1]
    if word == "crash":  # a backend that breaks: HTTP 500
        return 500, {"oops": True}
    procedure = PROCEDURES.get(word)
    if procedure is None:
        return 200, {"error": {"code": "app.no_such_procedure", "message": "no procedure " + word}}
    return 200, procedure(body.get("args"), body)


# ---------------------------------------------------------------- Ferry hooks: events out (a sink tests read back)
#
# Body: {"node", "batch", "events": [{"kind", "time", "conn", "user", ...}]}. A retried batch keeps its "node" and
# "batch": a sink that must not count an event twice keeps the last batch number per node.

events_lock = threading.Lock()
received = {"batches": [], "refused": [], "fail": 0}


def events(body, handler):
    """POST /ferry/events: takes a batch (or refuses it with 500 while told to fail)."""
    with events_lock:
        if received["fail"] > 0:
            received["fail"] -= 1
            received["refused"].append(body)
            return 500, {"error": "told to fail"}
        received["batches"].append(body)
    return 200, {}


def events_fail(body, handler):
    """POST /ferry/events/fail {"count": n}: the next n batches are refused with 500."""
    with events_lock:
        received["fail"] = int(body.get("count", 1))
    return 200, {}


def events_read(handler):
    """GET /ferry/events: the batches taken and refused so far."""
    with events_lock:
        return 200, {"batches": list(received["batches"]), "refused": list(received["refused"])}


def events_clear(handler):
    """DELETE /ferry/events: forgets them (and any failures still to come)."""
    with events_lock:
        received.update({"batches": [], "refused": [], "fail": 0})
    return 200, {}


ROUTES = {
    "/login": login,
    "/logout": logout,
    "/clock": set_clock,
    "/ferry/connect": connect,
    "/ferry/refresh": refresh,
    "/ferry/subscribe": subscribe,
    "/ferry/publish": publish,
    "/ferry/rpc": rpc,
    "/ferry/events": events,
    "/ferry/events/fail": events_fail,
}

GET_ROUTES = {
    "/ferry/events": events_read,
}

DELETE_ROUTES = {
    "/ferry/events": events_clear,
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: Ferry reuses its connections

    def do_POST(self):
        url = urlsplit(self.path)
        route = ROUTES.get(url.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        self.extra_headers = []
        if route is None:
            return self.answer(404, {"error": "no route " + url.path})
        delay = parse_qs(url.query).get("delay")
        if delay:
            time.sleep(float(delay[0]))
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return self.answer(400, {"error": "body is not JSON"})
        status, answer = route(body, self)
        self.answer(status, answer)

    def do_GET(self):
        self.read_only(GET_ROUTES)

    def do_DELETE(self):
        self.read_only(DELETE_ROUTES)

    def read_only(self, routes):
        """A route without a body: GET and DELETE."""
        self.extra_headers = []
        route = routes.get(urlsplit(self.path).path)
        if route is None:
            return self.answer(404, {"error": "no route " + self.path})
        status, answer = route(self)
        self.answer(status, answer)

    def answer(self, status, obj):
        out = json.dumps(obj).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        for name, value in self.extra_headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, fmt, *args):
        sys.stderr.write("backend: " + (fmt % args) + "\n")


class Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # Ferry gave up on a slow answer (its timeout) and closed the connection: not worth a traceback
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def main():
    global IDENTITY_TTL
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    if len(sys.argv) > 2:
        IDENTITY_TTL = int(sys.argv[2])
    server = Server(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print("listening on %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
