"""The live stream's engine: one poller per process, fanning new events out to the streams.

A :class:`Broadcaster` (one per process, started with the first stream) runs one thread that
reads every source about twice a second — each registered :class:`~gridgov.command.registry.Feed`
(one index range read of a timeline table: ``id > cursor ORDER BY id``) and the new rows of
:class:`~gridgov.command.models.Alert` — and hands the new items to every connected
:class:`Stream`. Alerts travel through the database: the alerts job may run in the worker
process, and every web process sees its rows here.

Each stream filters by its :class:`Viewer` (the area streamed and the viewer's jurisdiction for
each permission, computed once at connect), keeps what it may show in a bounded buffer and is
**dropped** when that overflows: a client that does not read never holds the poller up nor
grows the server's memory. The poller never blocks on a client.

The broadcaster keeps the recent items (:func:`~gridgov.command.live.conf.retention`) so a
client reconnecting with ``Last-Event-ID`` (``cases:812,disputes:40,alerts:3``) gets exactly
what it missed; one away for longer starts from now.

On PostgreSQL a transaction may commit a timeline row with a lower id after one with a higher
id; an id skipped by the sequence is looked for again for :data:`~.conf.GAP_SECONDS` before it
is given up, so such a row is delivered late, not lost.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import translation

from gridgov.accounts import scoping
from gridgov.command.live import conf

logger = logging.getLogger("gridgov.command.live")


@dataclass(frozen=True)
class Item:
    """One thing to send: a live event or an alert, already encoded as JSON."""

    feed: str
    cursor: int
    area_path: str
    perms: tuple[str, ...]  # every one needed at area_path
    event: str  # "live" | "alert"
    json: str
    born: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class Source:
    """Where items come from: ``after(cursor, limit)`` in cursor order, ``head()``."""

    key: str
    after: Callable[[int, int], list[Item]]
    head: Callable[[], int]


class Full(Exception):
    """The process holds as many streams as it may."""


class Viewer:
    """Who watches which area: the subtrees under ``area_path`` where ``user`` holds each
    permission, computed once from the user's grants (cached on the user object)."""

    def __init__(self, user: Any, area_path: str) -> None:
        self.user = user
        self.area_path = area_path
        self._roots: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()

    def roots(self, perm: str) -> tuple[str, ...]:
        got = self._roots.get(perm)
        if got is None:
            if scoping.is_global(self.user):
                got = (self.area_path,)
            else:
                # Area roles only: a department's grant names an area but covers only what
                # the department holds, which a live event does not say.
                paths = scoping.jurisdiction_paths(self.user, perm, area_roles_only=True)
                if any(self.area_path.startswith(p) for p in paths):
                    got = (self.area_path,)
                else:
                    got = tuple(p for p in paths if p.startswith(self.area_path))
            with self._lock:
                self._roots[perm] = got
        return got

    def sees(self, item: Item) -> bool:
        path = item.area_path
        if not path.startswith(self.area_path):
            return False
        return all(any(path.startswith(r) for r in self.roots(p)) for p in item.perms)


def encode_id(positions: dict[str, int]) -> str:
    return ",".join(f"{k}:{v}" for k, v in sorted(positions.items()))


_ID_PART = re.compile(r"^([a-z][a-z0-9_.-]{0,39}):([0-9]{1,18})$")


def decode_id(text: str) -> dict[str, int]:
    """``cases:812,disputes:40`` → ``{"cases": 812, "disputes": 40}``; anything malformed or
    too long is ignored (the stream then starts from now)."""
    if not text or len(text) > 400:
        return {}
    out: dict[str, int] = {}
    for part in text.split(","):
        m = _ID_PART.match(part.strip())
        if m is None:
            return {}
        out[m.group(1)] = int(m.group(2))
    return out


class Stream:
    """One connected client: a bounded buffer the poller fills and the client's server thread
    empties (:meth:`messages`)."""

    def __init__(self, broadcaster: Broadcaster, viewer: Viewer, positions: dict[str, int]):
        self.broadcaster = broadcaster
        self.viewer = viewer
        self.cond = threading.Condition()
        self.items: deque[Item] = deque()
        self.positions = dict(positions)
        self.limit = conf.buffer_events()
        self.dropped = False
        self.closed = False

    # --- the poller's side (never blocks on the client) --------------------------------------

    def offer(self, items: Iterable[Item], positions: dict[str, int]) -> None:
        visible = [i for i in items if self.viewer.sees(i)]
        with self.cond:
            if self.dropped:
                return
            if len(self.items) + len(visible) > self.limit:
                # The client does not keep up: drop it (it reconnects and resumes).
                self.dropped = True
                self.items.clear()
                self.broadcaster.count_dropped()
            else:
                self.items.extend(visible)
                self.positions.update(positions)
            self.cond.notify()

    # --- the client's side -------------------------------------------------------------------

    def _take(self) -> tuple[list[Item], dict[str, int]]:
        with self.cond:
            items = list(self.items)
            self.items.clear()
            return items, dict(self.positions)

    def messages(self) -> Iterable[bytes]:
        """The text/event-stream body: ``event: live`` batches at most once a second, ``event:
        alert`` per alert, each flush ending with the ``id:`` of the positions reached;
        heartbeat comments; ends after the stream's lifetime (the client reconnects)."""
        try:
            # This thread keeps no database connection while it streams.
            connections.close_all()
            heartbeat = conf.heartbeat()
            started = time.monotonic()
            # ±10 %: screens that connected together do not all reconnect together.
            end = started + conf.lifetime() * (0.9 + 0.2 * ((id(self) >> 4) % 1000) / 1000)
            with self.cond:
                replaying = bool(self.items)
                last_id = encode_id(self.positions)
            # The positions at connect (unless a replay is on its way): a client cut off
            # before its first event resumes from here, not from whenever it comes back.
            first = "" if replaying else f"id: {last_id}\n"
            yield f": gridgov live\nretry: {conf.RETRY_MS}\n{first}\n".encode()
            last_flush = 0.0
            last_beat = started
            while True:
                now = time.monotonic()
                if now >= end or self.dropped:
                    return
                with self.cond:
                    if not self.items and not self.dropped:
                        self.cond.wait(max(0.0, min(last_beat + heartbeat, end) - now))
                    pending = bool(self.items)
                if self.dropped:
                    return
                if pending:
                    wait = last_flush + conf.BATCH_SECONDS - time.monotonic()
                    if wait > 0:
                        time.sleep(wait)  # gather a batch: at most one a second
                    items, positions = self._take()
                    if self.dropped:
                        return
                    last_id = encode_id(positions)
                    yield render(items, last_id).encode()
                    last_flush = last_beat = time.monotonic()
                elif time.monotonic() >= last_beat + heartbeat:
                    _items, positions = self._take()  # empty: nothing arrived meanwhile
                    text = ": ping\n\n"
                    now_id = encode_id(positions)
                    if now_id != last_id:
                        # An id-only message: moves the client's Last-Event-ID past what it
                        # was not shown, so a reconnection does not replay it.
                        text = f"id: {now_id}\n\n" + text
                        last_id = now_id
                    yield text.encode()
                    last_beat = time.monotonic()
        finally:
            self.broadcaster.disconnect(self)


def render(items: list[Item], last_id: str) -> str:
    """Alerts one message each, the live events of the batch in one message; the last
    message carries the ``id``."""
    parts: list[str] = []
    for item in items:
        if item.event == "alert":
            parts.append(f"event: alert\ndata: {item.json}\n\n")
    live = [i.json for i in items if i.event == "live"]
    if live:
        parts.append('event: live\ndata: {"events":[' + ",".join(live) + "]}\n\n")
    if not parts:
        parts.append("\n")  # only filtered items: an id-only message
    parts[-1] = parts[-1][:-1] + f"id: {last_id}\n\n"
    return "".join(parts)


class Broadcaster:
    """The process's poller and its connected streams (see the module docstring)."""

    def __init__(self, sources: Callable[[], list[Source]]) -> None:
        self._sources_factory = sources
        self.sources: list[Source] = []
        self.lock = threading.Lock()
        self.streams: set[Stream] = set()
        self.positions: dict[str, int] = {}
        self.floor: dict[str, int] = {}
        self.ring: dict[str, deque[Item]] = {}
        self.missing: dict[str, dict[int, float]] = {}
        self.thread: threading.Thread | None = None
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.dropped = 0
        self.delivered_polls = 0

    # --- lifecycle -----------------------------------------------------------------------------

    def ensure_started(self) -> None:
        with self.lock:
            if self.thread is not None and self.thread.is_alive():
                return
            self.sources = self._sources_factory()
            for source in self.sources:
                head = source.head()
                self.positions.setdefault(source.key, head)
                self.floor.setdefault(source.key, head)
                self.ring.setdefault(source.key, deque())
                self.missing.setdefault(source.key, {})
            self.thread = threading.Thread(target=self._run, name="live-poller", daemon=True)
            self.thread.start()

    def _run(self) -> None:
        translation.activate(settings.LANGUAGE_CODE)
        while not self.stopping.is_set():
            try:
                close_old_connections()
                more = self.poll_once()
            except Exception:  # the database went away …: log, reconnect, go on
                logger.exception("live: reading the feeds failed")
                connections.close_all()
                time.sleep(2.0)
                continue
            if not more:
                self.wake.wait(conf.POLL_SECONDS)
                self.wake.clear()

    # --- streams -------------------------------------------------------------------------------

    def connect(self, viewer: Viewer, last_event_id: str = "") -> Stream:
        """A new stream for ``viewer``, resuming after ``last_event_id`` when the retained
        events cover it; raises :class:`Full` at the cap."""
        self.ensure_started()
        asked = decode_id(last_event_id)
        with self.lock:
            if len(self.streams) >= conf.max_streams():
                raise Full
            stream = Stream(self, viewer, self.positions)
            replay: list[Item] = []
            for key, cursor in asked.items():
                if key not in self.positions:
                    continue
                if self.floor[key] <= cursor <= self.positions[key]:
                    replay.extend(i for i in self.ring[key] if i.cursor > cursor)
            replay.sort(key=lambda i: i.born)
            if replay:
                stream.offer(replay, self.positions)
                if stream.dropped:  # more than its buffer: start from now instead
                    stream = Stream(self, viewer, self.positions)
                    self.dropped -= 1
            self.streams.add(stream)
        return stream

    def disconnect(self, stream: Stream) -> None:
        with self.lock:
            self.streams.discard(stream)
        stream.closed = True

    def count_dropped(self) -> None:
        self.dropped += 1

    def status(self) -> dict[str, Any]:
        with self.lock:
            return {
                "streams": len(self.streams),
                "max_streams": conf.max_streams(),
                "dropped": self.dropped,
                "positions": dict(self.positions),
                "running": self.thread is not None and self.thread.is_alive(),
            }

    # --- polling -------------------------------------------------------------------------------

    def poll_once(self) -> bool:
        """Read every source once and fan the new items out; True if a read was full (more
        is waiting)."""
        fresh: list[Item] = []
        more = False
        reached: dict[str, int] = {}
        for source in self.sources:
            got, reached[source.key], full = self._read(source)
            fresh.extend(got)
            more = more or full
        now = time.monotonic()
        keep = conf.retention()
        with self.lock:
            self.positions.update(reached)
            if not fresh:
                return more
            for item in fresh:
                ring = self.ring[item.feed]
                ring.append(item)
            for key, ring in self.ring.items():
                while ring and (now - ring[0].born > keep or len(ring) > 100_000):
                    old = ring.popleft()
                    self.floor[key] = max(self.floor[key], old.cursor)
            positions = dict(self.positions)
            streams = list(self.streams)
        for stream in streams:
            stream.offer(fresh, positions)
        gone = {s for s in streams if s.dropped}
        if gone:
            # Out of the count at once, even while its thread is still stuck in a write.
            with self.lock:
                self.streams -= gone
        return more

    def _read(self, source: Source) -> tuple[list[Item], int, bool]:
        key = source.key
        cursor = self.positions[key]
        missing = self.missing[key]
        now = time.monotonic()
        for gone in [c for c, seen in missing.items() if now - seen > conf.GAP_SECONDS]:
            del missing[gone]
        start = min(missing) - 1 if missing else cursor
        rows = source.after(start, conf.READ_LIMIT)
        out: list[Item] = []
        for item in rows:
            c = item.cursor
            if c <= cursor:
                if missing.pop(c, None) is not None:
                    out.append(item)  # committed late
                continue
            skipped = c - cursor - 1
            if skipped > 0 and len(missing) + skipped <= conf.MAX_GAPS:
                for gap in range(cursor + 1, c):
                    missing[gap] = now
            cursor = c
            out.append(item)
        full = len(rows) >= conf.READ_LIMIT and bool(out)
        return out, cursor, full

    def stop(self) -> None:
        """End the poller (tests; a process that exits needs nothing)."""
        self.stopping.set()
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout=10)
        connections.close_all()

    def poke(self) -> None:
        """Read the sources now rather than at the next tick."""
        self.wake.set()
