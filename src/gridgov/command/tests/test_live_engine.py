"""The live stream's engine without a server: the poller over fake sources, the viewer's
filter, resuming by Last-Event-ID, the bounded buffer, ids committed out of order."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from gridgov.accounts.roles import Perm
from gridgov.command.live import broadcaster as engine
from gridgov.command.live.broadcaster import Broadcaster, Full, Item, Source, Viewer


class FakeTable:
    """A timeline table: rows by id, read ``id > cursor ORDER BY id LIMIT n``."""

    def __init__(self, key: str, perm: str = Perm.CASE_VIEW) -> None:
        self.key = key
        self.perm = perm
        self.rows: dict[int, Item] = {}

    def add(self, pk: int, path: str = "1/2/", extra: str = "") -> None:
        perms = (self.perm, extra) if extra else (self.perm,)
        data = {"feed": self.key, "cursor": pk, "at": datetime.now(UTC).isoformat()}
        self.rows[pk] = Item(self.key, pk, path, perms, "live", json.dumps(data))

    def source(self) -> Source:
        def after(cursor: int, limit: int) -> list[Item]:
            return [self.rows[k] for k in sorted(self.rows) if k > cursor][:limit]

        return Source(self.key, after, lambda: max(self.rows, default=0))


def user(*grants: tuple[str, str]) -> Any:
    # The grants as scoping caches them on a user object: no database needed.
    return SimpleNamespace(
        is_superuser=False, is_active=True, is_authenticated=True, _gridgov_grants=list(grants)
    )


DISPATCHER = user(("dispatcher", "1/2/"))  # the county 1/2/ (command.view, sensitive …)
LEADER = user(("leader", "1/2/"))  # no mediation.sensitive


@pytest.fixture
def table() -> FakeTable:
    return FakeTable("cases")


@pytest.fixture
def hub(table: FakeTable) -> Broadcaster:
    b = Broadcaster(lambda: [table.source()])
    b.ensure_started = lambda: _start(b)  # type: ignore[method-assign]
    _start(b)
    return b


def _start(b: Broadcaster) -> None:
    # The poller's set-up without its thread: the tests call poll_once themselves.
    if not b.sources:
        b.sources = b._sources_factory()
        for s in b.sources:
            head = s.head()
            b.positions[s.key] = head
            b.floor[s.key] = head
            b.ring[s.key] = engine.deque()
            b.missing[s.key] = {}


def cursors(stream: engine.Stream) -> list[int]:
    items, _pos = stream._take()
    return [i.cursor for i in items]


def test_new_rows_reach_a_stream_in_order(table: FakeTable, hub: Broadcaster) -> None:
    stream = hub.connect(Viewer(DISPATCHER, "1/2/"))
    table.add(1)
    table.add(2)
    hub.poll_once()
    assert cursors(stream) == [1, 2]
    assert stream.positions == {"cases": 2}


def test_a_stream_sees_only_its_area(table: FakeTable, hub: Broadcaster) -> None:
    street_a = hub.connect(Viewer(DISPATCHER, "1/2/3/"))
    street_b = hub.connect(Viewer(DISPATCHER, "1/2/4/"))
    table.add(1, "1/2/3/7/")
    table.add(2, "1/2/4/8/")
    hub.poll_once()
    assert cursors(street_a) == [1]
    assert cursors(street_b) == [2]


def test_outside_the_viewers_jurisdiction_nothing_arrives(table: FakeTable) -> None:
    viewer = Viewer(user(("dispatcher", "1/2/3/")), "1/2/")  # holds only a part of 1/2/
    table.add(1, "1/2/3/9/")
    table.add(2, "1/2/4/")
    seen = [i.cursor for i in table.rows.values() if viewer.sees(i)]
    assert seen == [1]


def test_an_extra_permission_filters_sensitive_items(table: FakeTable, hub: Broadcaster) -> None:
    table.perm = Perm.MEDIATION_VIEW
    dispatcher = hub.connect(Viewer(DISPATCHER, "1/2/"))
    leader = hub.connect(Viewer(LEADER, "1/2/"))
    table.add(1, "1/2/3/")
    table.add(2, "1/2/3/", extra=Perm.MEDIATION_SENSITIVE)
    hub.poll_once()
    assert cursors(dispatcher) == [1, 2]
    assert cursors(leader) == [1]
    assert leader.positions == {"cases": 2}  # it moved past what it may not see


def test_resume_gets_exactly_what_was_missed(table: FakeTable, hub: Broadcaster) -> None:
    first = hub.connect(Viewer(DISPATCHER, "1/2/"))
    table.add(1)
    hub.poll_once()
    _items, pos = first._take()
    hub.disconnect(first)
    table.add(2)
    table.add(3)
    hub.poll_once()
    again = hub.connect(Viewer(DISPATCHER, "1/2/"), engine.encode_id(pos))
    table.add(4)
    hub.poll_once()
    assert cursors(again) == [2, 3, 4]


def test_resume_from_before_the_retained_window_starts_from_now(
    table: FakeTable, hub: Broadcaster
) -> None:
    table.add(1)
    hub.poll_once()
    stream = hub.connect(Viewer(DISPATCHER, "1/2/"), "cases:0")  # hub started at 0: covered
    assert cursors(stream) == [1]
    hub.floor["cases"] = 1  # the ring let 1 go
    old = hub.connect(Viewer(DISPATCHER, "1/2/"), "cases:0")
    assert cursors(old) == []
    assert old.positions == {"cases": 1}


@pytest.mark.parametrize(
    "raw", ["", "cases", "cases:x", "cases:1;drop", "x" * 500, "Cases:1", "cases:-1"]
)
def test_a_malformed_last_event_id_is_ignored(raw: str) -> None:
    assert engine.decode_id(raw) == {}


def test_a_client_that_does_not_keep_up_is_dropped_not_waited_for(
    table: FakeTable, hub: Broadcaster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRIDGOV_LIVE_BUFFER", "10")
    slow = hub.connect(Viewer(DISPATCHER, "1/2/"))
    fast = hub.connect(Viewer(DISPATCHER, "1/2/"))
    for n in range(1, 8):
        table.add(n)
    hub.poll_once()
    assert len(cursors(fast)) == 7  # fast reads; slow does not
    for n in range(8, 15):
        table.add(n)
    hub.poll_once()
    assert slow.dropped
    assert not fast.dropped
    assert cursors(fast) == list(range(8, 15))
    assert hub.status()["dropped"] == 1


def test_the_cap_refuses_one_more(table: FakeTable, hub: Broadcaster, monkeypatch: Any) -> None:
    monkeypatch.setenv("GRIDGOV_LIVE_MAX_STREAMS", "2")
    hub.connect(Viewer(DISPATCHER, "1/2/"))
    second = hub.connect(Viewer(DISPATCHER, "1/2/"))
    with pytest.raises(Full):
        hub.connect(Viewer(DISPATCHER, "1/2/"))
    hub.disconnect(second)
    hub.connect(Viewer(DISPATCHER, "1/2/"))


def test_an_id_committed_late_is_delivered_late_once(table: FakeTable, hub: Broadcaster) -> None:
    stream = hub.connect(Viewer(DISPATCHER, "1/2/"))
    table.add(1)
    table.add(3)  # 2 is still in an open transaction
    hub.poll_once()
    assert cursors(stream) == [1, 3]
    table.add(2)
    table.add(4)
    hub.poll_once()
    hub.poll_once()
    assert cursors(stream) == [2, 4]


def test_the_message_format() -> None:
    items = [
        Item("alerts", 5, "1/", ("x",), "alert", '{"id":5}'),
        Item("cases", 9, "1/", ("x",), "live", '{"cursor":9}'),
        Item("cases", 10, "1/", ("x",), "live", '{"cursor":10}'),
    ]
    text = engine.render(items, "alerts:5,cases:10")
    assert text == (
        'event: alert\ndata: {"id":5}\n\n'
        'event: live\ndata: {"events":[{"cursor":9},{"cursor":10}]}\n'
        "id: alerts:5,cases:10\n\n"
    )


def test_the_stream_body_starts_with_its_position_and_leaves_on_close(
    table: FakeTable, hub: Broadcaster
) -> None:
    table.add(1)
    hub.poll_once()
    stream = hub.connect(Viewer(DISPATCHER, "1/2/"))
    body = iter(stream.messages())
    assert next(body) == b": gridgov live\nretry: 3000\nid: cases:1\n\n"
    table.add(2)
    hub.poll_once()
    batch = next(body).decode()
    assert batch.startswith("event: live\ndata: ") and batch.endswith("id: cases:2\n\n")
    assert hub.status()["streams"] == 1
    body.close()  # type: ignore[attr-defined]  # the server closes the response
    assert hub.status()["streams"] == 0
