"""The ferry.v1 client: one WebSocket, commands matched to replies by id, pushes dispatched, automatic reconnect.

Everything runs on the asyncio event loop that calls :meth:`Ferry.connect`; the client is not thread-safe.
The wire protocol is docs/protocol.md; section numbers below refer to it.
"""
import asyncio
import base64
import inspect
import itertools
import json
import logging
import os
import random
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple, Union

from .patch import PatchError, apply_patch
from .topics import has_wildcard, matches

try:  # websockets 13 and later
    from websockets.asyncio.client import connect as _ws_connect
    _HEADERS_ARG = "additional_headers"
except ImportError:  # websockets 10 to 12 (Debian 12 ships 10.4)
    from websockets.client import connect as _ws_connect
    _HEADERS_ARG = "extra_headers"
from websockets.exceptions import ConnectionClosed, InvalidHandshake

log = logging.getLogger("ferry_client")

SUBPROTOCOL = "ferry.v1"

# Codes after which an acknowledged publication is sent again with the same pub_id ("pub" in §4).
_RETRIED_PUBLISH_CODES = {"outcome_unknown", "unavailable", "rate_limited", "too_many_pub_ids", "disconnected"}
# Close codes after which the client does not reconnect: its session was taken over by another connection (§4.5).
_NO_RECONNECT_CLOSE_CODES = {4007}

Payload = Any  # any JSON value, or bytes (a binary message)
Token = Union[None, str, Callable[[], Union[str, Awaitable[str]]]]


class FerryError(Exception):
    """A ferry.v1 error (``code`` from §6, ``data`` when the server gave some), or one of the client's own:
    ``disconnected`` (the connection dropped before the answer), ``closed`` (the client was closed),
    ``timeout`` (no answer in time)."""

    def __init__(self, code: str, message: str = "", data: Any = None):
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message or code
        self.data = data


@dataclass(frozen=True)
class Delivery:
    """Where a publication stands: its topic, the pattern it was subscribed with, epoch and offset (§4.1), tags."""
    topic: str
    pattern: str
    epoch: Optional[str]
    offset: int
    tags: Dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Published:
    """The acknowledgement of a publication: where it stands in its topic (§4.1)."""
    topic: str
    epoch: str
    offset: int


class Invocation:
    """A call routed to this client as a callee. ``receives_progress``: the caller takes progressive results,
    which :meth:`progress` sends. ``interrupted`` is set when the server interrupts the invocation (the caller
    canceled it, it timed out, or the caller left), with ``interrupt_mode`` ``kill`` (the caller still waits for
    the answer, which should be an error) or ``killnowait`` (nobody waits for it)."""

    def __init__(self, client: "Ferry", proc: str, id: int, receives_progress: bool = False):
        self._client = client
        self.proc = proc
        self.id = id
        self.receives_progress = receives_progress
        self.interrupted = asyncio.Event()
        self.interrupt_mode: Optional[str] = None

    async def progress(self, data: Payload) -> None:
        """Sends a progressive result ahead of the handler's result; nothing when the caller does not take them."""
        if self.receives_progress and self._client._invocations.get(self.id) is self:
            try:
                await self._client._send({"type": "reply", "id": self.id, "progress": True, "data": data}, "data",
                                         direct=True)
            except FerryError:
                pass  # the connection is gone: so is the call

    def _interrupt(self, mode: str) -> None:
        self.interrupt_mode = mode
        self.interrupted.set()


Handler = Callable[[Payload, Delivery], Any]
Procedure = Callable[[Payload, Invocation], Any]


class Subscription:
    """A pattern this client holds; :meth:`unsubscribe` ends it."""

    def __init__(self, client: "Ferry", pattern: str, handler: Handler, durable: bool, filter: Optional[str],
                 presence: Optional[dict] = None, on_presence: Optional[Callable[[dict], Any]] = None):
        self.client = client
        self.pattern = pattern
        self.handler = handler
        self.durable = durable
        self.filter = filter
        self.presence = presence
        self.on_presence = on_presence

    async def unsubscribe(self) -> None:
        await self.client.unsubscribe(self.pattern)


class StateReplica:
    """A copy of a state channel's document (§4.6) kept in sync: ``document`` at ``version`` of ``epoch``, a
    snapshot, then every patch in version order. After a reconnect it asks for the patches it missed (or a
    snapshot when the server no longer has them); a patch out of step makes it ask for a snapshot.
    ``on_change`` gets ``{topic, epoch, version, document, patch, snapshot}`` for each change."""

    def __init__(self, client: "Ferry", topic: str, on_change: Optional[Callable[[dict], Any]]):
        self.client = client
        self.topic = topic
        self.on_change = on_change
        self.document: Any = None
        self.version = -1
        self.epoch: Optional[str] = None
        self.ready = asyncio.get_running_loop().create_future()

    async def close(self) -> None:
        """Stops following the channel."""
        await self.client._unfollow_state(self)

    def _snapshot(self, f: dict) -> None:
        self.document, self.version, self.epoch = f.get("data"), f.get("version", 0), f.get("epoch")
        self._changed(None)
        if not self.ready.done():
            self.ready.set_result(self)

    def _patch(self, f: dict) -> bool:
        """Applies one patch; False when it does not follow the version held."""
        if self.version < 0:
            return False
        same_epoch = self.epoch is None or self.epoch == f.get("epoch")
        if same_epoch and f["version"] <= self.version:
            return True  # held already (replayed after a reconnect)
        if not same_epoch or f["version"] != self.version + 1:
            return False
        try:
            self.document = apply_patch(self.document, f["patch"])
        except PatchError:
            return False
        self.version, self.epoch = f["version"], f.get("epoch")
        self._changed(f["patch"])
        return True

    def _changed(self, patch: Optional[list]) -> None:
        if self.on_change is not None:
            change = {"topic": self.topic, "epoch": self.epoch, "version": self.version, "document": self.document,
                      "patch": patch, "snapshot": patch is None}
            try:
                self.client._spawn(self.on_change(change))
            except Exception:
                log.exception("the change listener of %s failed", self.topic)


def _frame_text(frame: dict) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def encode(frame: dict, payload_name: str) -> Union[str, bytes]:
    """A command as one WebSocket message (§2): text, or for a ``bytes`` payload a binary message whose JSON
    header, without the payload member, is followed by LF and the payload bytes."""
    payload = frame.get(payload_name)
    if isinstance(payload, (bytes, bytearray, memoryview)):
        header = {k: v for k, v in frame.items() if k != payload_name}
        return _frame_text(header).encode("utf-8") + b"\n" + bytes(payload)
    return _frame_text(frame)


def decode(message: Union[str, bytes]) -> List[dict]:
    """The frames of one WebSocket message (§2): LF-separated JSON in a text message, or one frame whose binary
    payload becomes its ``data`` (or ``args`` for ``invoke``) as ``bytes``."""
    if isinstance(message, (bytes, bytearray)):
        cut = message.index(b"\n")
        frame = json.loads(message[:cut].decode("utf-8"))
        frame["args" if frame.get("type") == "invoke" else "data"] = bytes(message[cut + 1:])
        return [frame]
    return [json.loads(line) for line in message.split("\n") if line.strip()]


def new_pub_id() -> str:
    """128 random bits, base64url without padding: 22 characters of the pub_id grammar."""
    return base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode("ascii")


class Ferry:
    """A ferry.v1 client (docs/protocol.md) with automatic reconnect.

    After an unexpected close it reconnects with exponential backoff and jitter (``min_delay`` to ``max_delay``
    seconds; after ``goaway`` about the delay the server asked for), resumes its session when it holds durable
    subscriptions (§4.5), subscribes again to every other pattern with ``since`` its last positions (§4.1),
    registers its procedures again, and skips publications it already handled (same epoch, offset not newer).
    When history cannot cover a gap, the ``reset`` listeners get ``(topic, epoch, offset)``.

    ``token`` is a JWT sent as ``Authorization: Bearer`` on every connection: a string, or a function (plain or
    ``async``) called before each connection, so that a reconnect presents a fresh one.
    """

    def __init__(self, url: str, *, token: Token = None, headers: Optional[Dict[str, str]] = None,
                 reconnect: bool = True, min_delay: float = 0.25, max_delay: float = 10.0,
                 request_timeout: float = 30.0, publish_retry: float = 60.0, max_message_bytes: int = 16 << 20):
        self.url = url
        self.token = token
        self.headers = dict(headers or {})
        self.reconnect = reconnect
        self.min_delay = min_delay
        self.max_delay = max_delay
        self.request_timeout = request_timeout
        self.publish_retry = publish_retry
        self.max_message_bytes = max_message_bytes
        self.session_token: Optional[str] = None
        self.resumed = False  # whether the latest connection resumed the session (§4.5)

        self._ids = itertools.count(1)
        self._pending: Dict[int, asyncio.Future] = {}
        self._subscriptions: Dict[str, Subscription] = {}
        self._procedures: Dict[str, Procedure] = {}
        self._policies: Dict[str, str] = {}  # proc -> invocation policy asked for, when one was
        self._progress: Dict[int, Callable[[Payload], Any]] = {}  # request id of a call -> on_progress
        self._invocations: Dict[int, Invocation] = {}  # invoke id not yet answered -> its Invocation
        self._states: Dict[str, StateReplica] = {}
        self._positions: Dict[str, Tuple[Optional[str], int]] = {}  # topic -> (epoch, offset) last handled
        self._listeners: Dict[str, List[Callable]] = {}
        self._ws = None
        self._ready: Optional[asyncio.Event] = None
        self._runner: Optional[asyncio.Task] = None
        self._reader: Optional[asyncio.Task] = None  # reads the current connection; returns its close code
        self._tasks: set = set()
        self._closed = False
        self._goaway_delay: Optional[float] = None
        self.state = "idle"

    # ---- lifecycle

    async def connect(self) -> "Ferry":
        """Opens the first connection; raises what prevented it (a refused upgrade is :class:`FerryError`
        ``unauthorized`` for 401). Later connections are made by the client itself."""
        if self._runner is not None:
            await self._wait_ready()
            return self
        self._ready = asyncio.Event()
        ws = await self._open()
        try:
            await self._setup(ws)
        except BaseException:
            await ws.close()
            await self._reader
            self._ws = None
            self._set_state("closed")
            raise
        self._runner = asyncio.get_running_loop().create_task(self._run(ws))
        return self

    async def close(self) -> None:
        """Closes the connection for good: pending requests fail with ``closed``; no reconnect."""
        self._closed = True
        self._set_state("closed")
        ws = self._ws
        if ws is not None:
            await ws.close()
        if self._runner is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._runner), 10)
            except (asyncio.TimeoutError, Exception):
                self._runner.cancel()
        self._fail_pending(FerryError("closed", "the client was closed"))
        for task in list(self._tasks):
            task.cancel()

    async def __aenter__(self) -> "Ferry":
        return await self.connect()

    async def __aexit__(self, *exc) -> None:
        await self.close()

    def on(self, event: str, listener: Callable) -> None:
        """Listens to ``state`` (``connecting``, ``connected``, ``disconnected``, ``closed``), ``reset`` (topic,
        epoch, offset: history could not cover a gap, resynchronise that topic), ``error`` (a :class:`FerryError`
        tied to no command, e.g. a subscription dropped after ``auth``) and ``dropped`` (a durable pattern the
        resumed session could not restore, and why)."""
        self._listeners.setdefault(event, []).append(listener)

    def last_offset(self, topic: str) -> Optional[Tuple[Optional[str], int]]:
        """The (epoch, offset) of the last publication on ``topic`` handed to a handler, or None."""
        return self._positions.get(topic)

    # ---- commands

    async def publish(self, topic: str, data: Payload, *, ack: bool = False, tags: Optional[Dict[str, str]] = None,
                      pub_id: Optional[str] = None) -> Optional[Published]:
        """Publishes ``data`` (JSON value or bytes) to ``topic``. Without ``ack`` it returns once sent. With
        ``ack`` it returns the :class:`Published` position, and publishes exactly once (§4 "pub"): the
        publication carries a random ``pub_id`` (or ``pub_id``) and is sent again with it after
        ``outcome_unknown``, ``unavailable``, ``rate_limited``, ``too_many_pub_ids`` or a lost connection, after a
        growing delay, for up to ``publish_retry`` seconds; then the last error is raised."""
        frame = {"type": "pub", "topic": topic, "data": data}
        if tags:
            frame["tags"] = tags
        if not ack:
            await self._send(frame, "data")
            return None
        frame["ack"] = True
        frame["pub_id"] = pub_id or new_pub_id()
        deadline = asyncio.get_running_loop().time() + self.publish_retry
        delay = 0.1
        while True:
            try:
                r = await self._request(dict(frame), "data")
                return Published(r["topic"], r["epoch"], r["offset"])
            except FerryError as e:
                if e.code not in _RETRIED_PUBLISH_CODES or asyncio.get_running_loop().time() + delay > deadline:
                    raise
                log.debug("publish to %s: %s, sending it again in %.1f s", topic, e.code, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def subscribe(self, pattern: str, handler: Handler, *, durable: bool = False,
                        filter: Optional[str] = None, since: Optional[Tuple[Optional[str], int]] = None,
                        presence: Optional[dict] = None, on_presence: Optional[Callable[[dict], Any]] = None) -> Subscription:
        """Subscribes to ``pattern``; ``handler(data, delivery)`` gets each publication once, in offset order per
        topic (a coroutine function runs as a task). ``durable`` keeps the subscription in the server's session
        while the client is away (§4.5); ``filter`` is a §4.4 expression; ``since`` ``(epoch, offset)`` of a
        concrete topic replays what followed it (§4.1). On a topic that keeps presence (§4.7), ``presence`` is
        the info listed with this connection and ``on_presence(diff)`` gets the topic's coalesced
        ``{topic, joins, leaves, reset}``; after a reconnect it gets ``reset: True`` (read :meth:`presence`
        again). Raises :class:`FerryError` (e.g. ``bad_filter``, ``forbidden``, ``bad_presence``)."""
        sub = Subscription(self, pattern, handler, durable, filter, presence, on_presence)
        if since is not None and not has_wildcard(pattern):
            self._positions[pattern] = since
        # held before the answer: a replay follows the result at once, and its publications need the handler
        previous = self._subscriptions.get(pattern)
        self._subscriptions[pattern] = sub
        try:
            result = await self._subscribe(sub)
        except FerryError:
            if self._subscriptions.get(pattern) is sub:
                if previous is None:
                    del self._subscriptions[pattern]
                else:
                    self._subscriptions[pattern] = previous
            raise
        self._after_subscribe(sub, result)
        if durable and self.session_token is None:
            self.session_token = (await self._request({"type": "session"}))["token"]
        return sub

    async def unsubscribe(self, pattern: str) -> None:
        """Ends the subscription to ``pattern``; ``not_subscribed`` when the connection does not hold it."""
        self._subscriptions.pop(pattern, None)
        await self._request({"type": "unsub", "topic": pattern})

    async def register(self, proc: str, fn: Procedure, *, invoke: Optional[str] = None) -> None:
        """Registers ``fn(args, invocation)`` (plain or ``async``) as ``proc``; what it returns is the result,
        a :class:`FerryError` it raises reaches the caller as ``callee_error`` with its code, message and data
        (any other exception as code ``error``). ``invocation`` sends progressive results and tells of interrupts
        (:class:`Invocation`). ``invoke`` is the invocation policy every callee of ``proc`` shares (``single``,
        ``roundrobin`` (the server's default), ``random``, ``first``, ``last``); one the other callees do not
        admit raises ``procedure_exists``. Registered again after every reconnect."""
        self._procedures[proc] = fn
        if invoke is not None:
            self._policies[proc] = invoke
        try:
            await self._request(self._register_frame(proc))
        except FerryError as e:
            if e.code != "disconnected":
                self._procedures.pop(proc, None)
                self._policies.pop(proc, None)
            raise

    def _register_frame(self, proc: str) -> dict:
        frame = {"type": "register", "proc": proc}
        if proc in self._policies:
            frame["invoke"] = self._policies[proc]
        return frame

    async def unregister(self, proc: str) -> None:
        self._policies.pop(proc, None)
        if self._procedures.pop(proc, None) is not None:
            await self._request({"type": "unregister", "proc": proc})

    async def call(self, proc: str, args: Payload = None, *, timeout: float = 10.0,
                   on_progress: Optional[Callable[[Payload], Any]] = None, cancel_mode: str = "killnowait") -> Payload:
        """Calls ``proc`` with ``args`` and returns the callee's result; raises :class:`FerryError`
        (``no_such_procedure``, ``call_timeout``, ``callee_error`` with ``data`` = {code, data} of the callee,
        ``callee_gone``, ``disconnected``). Never sent twice: a call cut by a reconnect fails. With
        ``on_progress`` (plain or ``async``) the call takes progressive results: each is passed to it, in order,
        before the result. Cancelling the task that awaits the call cancels the call on the server
        (``cancel_mode``: ``skip``, ``kill`` or ``killnowait``)."""
        frame = {"type": "call", "proc": proc, "timeout": max(1, int(timeout * 1000))}
        if args is not None:
            frame["args"] = args
        if on_progress is not None:
            frame["progress"] = True
        return await self._request(frame, "args", timeout=timeout + self.request_timeout, retry=False,
                                   on_progress=on_progress, cancel_mode=cancel_mode)

    async def history(self, topic: str, *, after: Optional[int] = None, before: Optional[int] = None,
                      limit: Optional[int] = None, reverse: bool = False) -> dict:
        """A page of the topic's retained publications (§4.2)."""
        frame = {"type": "history", "topic": topic}
        for name, value in (("after", after), ("before", before), ("limit", limit)):
            if value is not None:
                frame[name] = value
        if reverse:
            frame["reverse"] = True
        return await self._request(frame)

    async def index(self, prefix: str = "") -> dict:
        """The topics in use under ``prefix``, with subscriber counts (§4 "index")."""
        return await self._request({"type": "index", "prefix": prefix})

    async def procedures(self, prefix: str = "") -> dict:
        """The registered procedures under ``prefix`` that this client may call, with their callee counts, policies
        and call rates: ``{"prefix", "procedures": [{"proc", "callees", "invoke", "calls", "rate"}], "truncated"}``
        (§4 "procedures"). Procedures served by HTTP backends come first, one entry per rule with its pattern as
        ``proc`` and ``"callee": "http"``, ``"hook"`` (docs/hooks.md)."""
        return await self._request({"type": "procedures", "prefix": prefix})

    async def ping(self) -> None:
        await self._request({"type": "ping"})

    async def auth(self, token: str) -> dict:
        """Authenticates the connection with ``token`` or refreshes its token before it expires (§4.3); later
        connections present it too. Returns ``{"sub", "exp"}``."""
        result = await self._request({"type": "auth", "token": token})
        self.token = token
        return result

    async def presence(self, topic: str, *, limit: Optional[int] = None, cursor: Optional[str] = None) -> dict:
        """A page of the topic's presence (§4.7): ``{topic, count, entries, next}``."""
        frame = {"type": "presence", "topic": topic}
        if limit is not None:
            frame["limit"] = limit
        if cursor is not None:
            frame["cursor"] = cursor
        return await self._request(frame)

    async def follow_state(self, topic: str, *, on_change: Optional[Callable[[dict], Any]] = None) -> StateReplica:
        """Follows a state channel (§4.6); returns its :class:`StateReplica` once it holds the document."""
        replica = StateReplica(self, topic, on_change)
        self._states[topic] = replica
        try:
            await self._follow_state(replica)
            return await asyncio.wait_for(asyncio.shield(replica.ready), self.request_timeout)
        except (FerryError, asyncio.TimeoutError):
            if self._states.get(topic) is replica:
                del self._states[topic]
            raise

    async def get_state(self, topic: str) -> dict:
        """The channel's document: ``{topic, epoch, version, data}``."""
        return await self._request({"type": "state_get", "topic": topic})

    async def merge_state(self, topic: str, merge: Any, *, if_version: Optional[int] = None) -> dict:
        """Changes the document with an RFC 7386 merge patch; ``if_version`` makes it conditional
        (``state_conflict`` when the document moved on). Returns ``{topic, epoch, version}``."""
        return await self._update_state(topic, "merge", merge, if_version)

    async def patch_state(self, topic: str, operations: List[dict], *, if_version: Optional[int] = None) -> dict:
        """Changes the document with an RFC 6902 JSON Patch, as a whole or not at all (``invalid_patch``)."""
        return await self._update_state(topic, "patch", operations, if_version)

    async def _update_state(self, topic: str, kind: str, change: Any, if_version: Optional[int]) -> dict:
        frame = {"type": "state_update", "topic": topic, kind: change}
        if if_version is not None:
            frame["if_version"] = if_version
        return await self._request(frame, retry=if_version is not None)

    async def _follow_state(self, replica: StateReplica, resume: bool = False, direct: bool = False) -> None:
        frame = {"type": "state_sub", "topic": replica.topic}
        if resume and replica.version >= 0:
            frame["version"] = replica.version
            if replica.epoch is not None:
                frame["epoch"] = replica.epoch
        result = await self._request(frame, direct=direct)
        if result.get("recovered"):
            replica.epoch = result.get("epoch", replica.epoch)

    async def _unfollow_state(self, replica: StateReplica) -> None:
        if self._states.get(replica.topic) is replica:
            del self._states[replica.topic]
            await self._request({"type": "state_unsub", "topic": replica.topic})

    # ---- connection

    def _set_state(self, state: str) -> None:
        if self.state != state:
            self.state = state
            self._emit("state", state)

    def _emit(self, event: str, *args) -> None:
        for listener in list(self._listeners.get(event, ())):
            try:
                self._spawn(listener(*args))
            except Exception:
                log.exception("%s listener failed", event)

    def _spawn(self, maybe_awaitable) -> None:
        if inspect.isawaitable(maybe_awaitable):
            task = asyncio.ensure_future(maybe_awaitable)
            self._tasks.add(task)
            task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a handler failed", exc_info=task.exception())

    async def _open(self):
        self._set_state("connecting")
        headers = dict(self.headers)
        token = self.token() if callable(self.token) else self.token
        if inspect.isawaitable(token):
            token = await token
        if token:
            headers["Authorization"] = "Bearer " + token
        try:
            ws = await _ws_connect(self.url, subprotocols=[SUBPROTOCOL], max_size=self.max_message_bytes,
                                   open_timeout=self.request_timeout, **{_HEADERS_ARG: headers})
        except InvalidHandshake as e:
            status = getattr(getattr(e, "response", None), "status_code", None) or getattr(e, "status_code", None)
            code = {401: "unauthorized", 403: "forbidden", 429: "too_many_connections", 503: "unavailable"}.get(
                status, "connect_failed")
            raise FerryError(code, f"upgrade refused: {e}") from e
        self._ws = ws
        self._reader = asyncio.get_running_loop().create_task(self._read(ws))
        return ws

    async def _run(self, ws) -> None:
        """Owns the connection: waits for it to end, then reconnects until closed."""
        attempt = 0
        while True:
            close_code = await self._reader
            self._ws = None
            self._ready.clear()
            self._fail_pending(FerryError("disconnected", "the connection closed"))
            if self._closed or not self.reconnect or close_code in _NO_RECONNECT_CLOSE_CODES:
                self._set_state("closed")
                return
            self._set_state("disconnected")
            while not self._closed:
                delay = self._goaway_delay if self._goaway_delay is not None else self._backoff(attempt)
                self._goaway_delay = None
                attempt += 1
                await asyncio.sleep(delay)
                if self._closed:
                    break
                try:
                    ws = await self._open()
                    await self._setup(ws)
                    attempt = 0
                    break
                except (OSError, asyncio.TimeoutError, FerryError, ConnectionClosed) as e:
                    log.info("reconnecting to %s: %s", self.url, e)
                    if self._ws is not None:
                        await self._ws.close()
                        await self._reader
                        self._ws = None
            if self._closed:
                self._set_state("closed")
                return

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter between ``min_delay`` and ``max_delay``."""
        ceiling = min(self.max_delay, self.min_delay * (2 ** min(attempt, 30)))
        return self.min_delay + random.random() * (ceiling - self.min_delay)

    async def _setup(self, ws) -> None:
        """Brings a new connection to where the client stood: session first (its durable subscriptions come back
        with their replay), then every other pattern with ``since``, then the procedures."""
        restored = set()
        if self.session_token is not None or any(s.durable for s in self._subscriptions.values()):
            restored = await self._resume()
        for sub in list(self._subscriptions.values()):
            # a restored subscription comes back without its presence info and events: subscribe again for
            # them, without since (nothing is replayed twice)
            again = sub.pattern in restored and (sub.presence is not None or sub.on_presence is not None)
            if sub.pattern not in restored or again:
                try:
                    self._after_subscribe(sub, await self._subscribe(sub, direct=True, since=not again))
                except FerryError as e:
                    if e.code in ("disconnected", "timeout", "unavailable", "shutting_down"):
                        raise
                    self._subscriptions.pop(sub.pattern, None)  # no longer allowed, say: tell, and go on without it
                    self._emit("error", e)
        for proc in list(self._procedures):
            try:
                await self._request(self._register_frame(proc), direct=True)
            except FerryError as e:
                if e.code in ("disconnected", "timeout", "unavailable", "shutting_down"):
                    raise
                self._procedures.pop(proc, None)
                self._policies.pop(proc, None)
                self._emit("error", e)
        for replica in list(self._states.values()):
            await self._follow_state(replica, resume=True, direct=True)
        self._set_state("connected")
        self._ready.set()
        for sub in list(self._subscriptions.values()):
            if sub.on_presence is not None:
                # changes made while away were not heard: the listener starts over
                self._spawn(sub.on_presence({"topic": sub.pattern, "joins": [], "leaves": [], "reset": True}))

    async def _resume(self) -> set:
        """Sends ``session`` (with the token held and the positions of the durable topics); returns the patterns the
        server restored. While the session store is ``unavailable`` it asks again for about 11 s (§4.5)."""
        frame = {"type": "session"}
        if self.session_token is not None:
            frame["token"] = self.session_token
            since = [{"topic": t, "epoch": e, "offset": o} for t, (e, o) in self._positions.items()
                     if e is not None and any(s.durable and matches(s.pattern, t) for s in self._subscriptions.values())]
            if since:
                frame["since"] = since
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 11
        delay = 0.1
        while True:
            try:
                result = await self._request(dict(frame), direct=True)
                break
            except FerryError as e:
                if e.code == "session_refused":  # not ours (another identity, or another server's secret)
                    frame.pop("token", None)
                    frame.pop("since", None)
                elif e.code != "unavailable":
                    raise
                elif loop.time() + delay > deadline:
                    return set()  # keep the token for the next connection; subscribe with our own positions
                else:
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 2.0)
        self.session_token = result.get("token", self.session_token)
        self.resumed = bool(result.get("resumed"))
        restored = set()
        if result.get("resumed"):
            for entry in result.get("subscriptions", []):
                pattern = entry.get("topic")
                if "dropped" in entry:
                    self._subscriptions.pop(pattern, None)
                    self._emit("dropped", pattern, entry["dropped"])
                    continue
                sub = self._subscriptions.get(pattern)
                if sub is not None and sub.durable:
                    restored.add(pattern)
                    self._after_subscribe(sub, entry)
        return restored

    async def _subscribe(self, sub: Subscription, direct: bool = False, since: bool = True) -> dict:
        frame = {"type": "sub", "topic": sub.pattern}
        if sub.durable:
            frame["durable"] = True
        if sub.filter is not None:
            frame["filter"] = sub.filter
        if sub.presence is not None:
            frame["presence"] = sub.presence
        if sub.on_presence is not None:
            frame["presence_events"] = True
        position = self._since(sub.pattern) if since else None
        if position is not None:
            frame["since"] = position
        return await self._request(frame, direct=direct)

    def _since(self, pattern: str):
        if not has_wildcard(pattern):
            position = self._positions.get(pattern)
            if position is None:
                return None
            epoch, offset = position
            return {"offset": offset, "epoch": epoch} if epoch is not None else ({"offset": 0} if offset == 0 else None)
        known = [{"topic": t, "epoch": e, "offset": o} for t, (e, o) in self._positions.items()
                 if e is not None and matches(pattern, t)]
        return known[:1000] or None

    def _after_subscribe(self, sub: Subscription, result: dict) -> None:
        """Reads a ``sub`` result (or a restored session entry): topics history could not bring up to date are
        reset, and a concrete topic's starting position is kept."""
        entries = result.get("positions") if "positions" in result else [result]
        for entry in entries or ():
            topic = entry.get("topic")
            if topic is None or has_wildcard(topic):
                continue
            if entry.get("recovered") is False:
                epoch, offset = entry.get("epoch"), entry.get("offset", 0)
                current = self._positions.get(topic)
                if current is None or current[0] != epoch or current[1] < offset:
                    self._positions[topic] = (epoch, offset)
                self._emit("reset", topic, epoch, offset)
            elif topic not in self._positions and "offset" in entry:
                self._positions[topic] = (entry.get("epoch"), entry["offset"])

    # ---- requests

    async def _wait_ready(self) -> None:
        if self._closed:
            raise FerryError("closed", "the client was closed")
        if self._ready is None:
            raise FerryError("disconnected", "connect() was not called")
        try:
            await asyncio.wait_for(self._ready.wait(), self.request_timeout)
        except asyncio.TimeoutError:
            raise FerryError("disconnected", f"not connected within {self.request_timeout} s") from None

    async def _send(self, frame: dict, payload_name: str = "data", direct: bool = False) -> None:
        if not direct:
            await self._wait_ready()
        ws = self._ws
        if ws is None:
            raise FerryError("disconnected", "not connected")
        try:
            await ws.send(encode(frame, payload_name))
        except ConnectionClosed as e:
            raise FerryError("disconnected", str(e)) from None

    async def _request(self, frame: dict, payload_name: str = "data", *, timeout: Optional[float] = None,
                       direct: bool = False, retry: bool = True, on_progress: Optional[Callable[[Payload], Any]] = None,
                       cancel_mode: Optional[str] = None) -> Any:
        """Sends a command with a fresh id and returns the ``data`` of its ``result``. Commands that may be sent
        twice (all but ``call``) are sent again on the next connection when this one drops first. A call with
        ``on_progress`` hands it its ``progress`` pushes; with ``cancel_mode``, cancelling the awaiting task sends
        ``cancel``."""
        while True:
            request_id = next(self._ids)
            frame["id"] = request_id
            reply = asyncio.get_running_loop().create_future()
            self._pending[request_id] = reply
            if on_progress is not None:
                self._progress[request_id] = on_progress
            try:
                await self._send(frame, payload_name, direct)
                return await asyncio.wait_for(asyncio.shield(reply), timeout or self.request_timeout)
            except asyncio.TimeoutError:
                raise FerryError("timeout", f"no answer to {frame['type']} within {timeout or self.request_timeout} s") from None
            except asyncio.CancelledError:
                if cancel_mode is not None and not reply.done():
                    self._spawn(self._send_quietly({"type": "cancel", "id": request_id, "mode": cancel_mode}))
                raise
            except FerryError as e:
                if e.code != "disconnected" or direct or not retry or self._closed or not self.reconnect:
                    raise
            finally:
                self._pending.pop(request_id, None)
                self._progress.pop(request_id, None)

    async def _send_quietly(self, frame: dict) -> None:
        """Sends ``frame`` on the current connection, if there is one."""
        try:
            await self._send(frame, direct=True)
        except FerryError:
            pass

    def _fail_pending(self, error: FerryError) -> None:
        pending, self._pending = self._pending, {}
        for reply in pending.values():
            if not reply.done():
                reply.set_exception(error)

    # ---- incoming

    async def _read(self, ws) -> Optional[int]:
        """Reads until the connection ends; returns its close code."""
        try:
            async for message in ws:
                for frame in decode(message):
                    await self._on_frame(frame)
        except ConnectionClosed:
            pass
        except Exception:
            log.exception("closing the connection after a frame it could not handle")
            await ws.close(1011)
        return ws.close_code

    async def _on_frame(self, f: dict) -> None:
        kind = f.get("type")
        if kind in ("result", "pong", "error") and f.get("id") in self._pending:
            reply = self._pending.pop(f["id"])
            if reply.done():
                return
            if kind == "error":
                reply.set_exception(FerryError(f.get("code", "internal"), f.get("message", ""), f.get("data")))
            else:
                reply.set_result(f.get("data"))
        elif kind == "msg":
            self._deliver(f)
        elif kind == "invoke":
            self._invoke(f)
        elif kind == "progress":
            listener = self._progress.get(f.get("id"))
            if listener is not None:
                result = listener(f.get("data"))
                if inspect.isawaitable(result):
                    await result
        elif kind == "interrupt":
            invocation = self._invocations.get(f.get("id"))
            if invocation is not None:
                if f.get("mode") != "kill":
                    self._invocations.pop(invocation.id, None)  # nobody waits for its answer any more
                invocation._interrupt(f.get("mode", "killnowait"))
        elif kind == "presence_diff":
            sub = self._subscriptions.get(f.get("topic"))
            if sub is not None and sub.on_presence is not None:
                self._spawn(sub.on_presence({"topic": f["topic"], "joins": f.get("joins", []),
                                             "leaves": f.get("leaves", []), "reset": bool(f.get("reset"))}))
        elif kind == "state":
            replica = self._states.get(f.get("topic"))
            if replica is not None:
                replica._snapshot(f)
        elif kind == "state_patch":
            replica = self._states.get(f.get("topic"))
            if replica is not None and not replica._patch(f):
                self._spawn(self._resnapshot(replica))
        elif kind == "goaway":
            self._goaway_delay = max(0.0, f.get("reconnect_ms", 1000) / 1000.0) * (0.5 + random.random())
        elif kind == "error":
            self._emit("error", FerryError(f.get("code", "internal"), f.get("message", ""), f.get("data")))

    async def _resnapshot(self, replica: StateReplica) -> None:
        """A patch out of step: ask for the whole document again (§4.6)."""
        try:
            await self._follow_state(replica)
        except FerryError as e:
            self._emit("error", e)

    def _deliver(self, f: dict) -> None:
        topic, epoch, offset = f["topic"], f.get("epoch"), f.get("offset", 0)
        last = self._positions.get(topic)
        if last is not None and last[0] == epoch and offset <= last[1]:
            return  # already handled: a replay meeting live delivery, or overlapping patterns
        self._positions[topic] = (epoch, offset)
        for sub in list(self._subscriptions.values()):
            if matches(sub.pattern, topic):
                delivery = Delivery(topic, sub.pattern, epoch, offset, f.get("tags") or {})
                try:
                    self._spawn(sub.handler(f.get("data"), delivery))
                except Exception:
                    log.exception("the handler of %s failed", sub.pattern)

    def _invoke(self, f: dict) -> None:
        fn = self._procedures.get(f.get("proc"))
        invocation = Invocation(self, f.get("proc"), f["id"], f.get("progress") is True)
        self._invocations[invocation.id] = invocation

        async def answer():
            try:
                if fn is None:
                    raise FerryError("not_registered", f"{invocation.proc} is not registered here")
                result = fn(f.get("args"), invocation)
                if inspect.isawaitable(result):
                    result = await result
                reply = {"type": "reply", "id": invocation.id, "data": result}
            except FerryError as e:
                reply = {"type": "reply", "id": invocation.id, "error": {"code": e.code, "message": e.message}}
                if e.data is not None:
                    reply["error"]["data"] = e.data
            except Exception as e:  # the caller gets callee_error with this code
                reply = {"type": "reply", "id": invocation.id, "error": {"code": "error", "message": str(e) or type(e).__name__}}
            self._invocations.pop(invocation.id, None)
            try:
                await self._send(reply, "data", direct=True)
            except FerryError:
                pass  # the connection is gone: the caller gets callee_gone

        self._spawn(answer())
