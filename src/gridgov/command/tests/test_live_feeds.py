"""The registered live feeds (cases, disputes), the alerts source and the demo trickle, on the
database: what an event carries, what it never carries, and the cursor contract."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone

from gridgov.accounts.roles import Perm
from gridgov.command import registry
from gridgov.command.live import sources
from gridgov.command.live.broadcaster import Viewer


def report(tree: Any, *, lon: float = 106.205, lat: float = 38.505) -> Any:
    from gridgov.cases.services.intake import case_report

    return case_report(
        actor=None,
        source="resident",
        category="0101",
        title="张三家门口垃圾",
        description="联系人张三 13812345678",
        lon=lon,
        lat=lat,
        anonymous=True,
    ).case


def test_a_reported_case_is_a_live_event_with_nothing_personal(tree: Any) -> None:
    feed = registry.feeds.get("cases")
    start = feed.head()
    case = report(tree)
    events = feed.after(start, 10)
    assert [e.action for e in events] == ["report"]
    event = events[0]
    assert event.cursor == feed.head()
    assert (event.item_kind, event.item_id) == ("case", case.pk)
    assert event.area_path == case.area_path == tree.grid1.path
    assert (event.lat, event.lng) == (pytest.approx(38.505), pytest.approx(106.205))
    assert case.number in event.label and case.category.name in event.label
    payload = json.dumps(sources.event_json(event), ensure_ascii=False)
    assert (
        "张三" not in payload and "138" not in payload and "垃圾" not in event.label.split("·")[0]
    )
    assert feed.after(event.cursor, 10) == []


def test_the_feed_reads_in_cursor_order_with_a_limit(tree: Any) -> None:
    feed = registry.feeds.get("cases")
    start = feed.head()
    for _ in range(3):
        report(tree)
    first = feed.after(start, 2)
    rest = feed.after(first[-1].cursor, 10)
    cursors = [e.cursor for e in first + rest]
    assert len(first) == 2 and len(rest) == 1
    assert cursors == sorted(cursors)


def test_a_sensitive_disputes_events_need_mediation_sensitive(tree: Any, make_user: Any) -> None:
    from gridgov.mediation.tests.dispute_builders import register

    feed = registry.feeds.get("disputes")
    start = feed.head()
    plain = register(tree.grid1, sensitive=False)
    hidden = register(tree.grid1, sensitive=True)
    events = {e.item_id: e for e in feed.after(start, 10)}
    assert events[plain.pk].perm == ""
    assert events[hidden.pk].perm == Perm.MEDIATION_SENSITIVE
    assert hidden.number in events[hidden.pk].label
    assert "楼上漏水" not in events[hidden.pk].label  # the title stays out

    leader = make_user("leader1", ("leader", tree.county))
    dispatcher = make_user("dispatcher1", ("dispatcher", tree.county))
    items = {i.cursor: i for i in sources.feed_source(feed).after(start, 10)}
    hidden_item = items[events[hidden.pk].cursor]
    plain_item = items[events[plain.pk].cursor]
    assert Viewer(dispatcher, tree.county.path).sees(hidden_item)
    assert not Viewer(leader, tree.county.path).sees(hidden_item)
    assert Viewer(leader, tree.county.path).sees(plain_item)
    assert not Viewer(dispatcher, tree.grid2.path).sees(plain_item)  # another grid


def test_new_alerts_are_read_as_alert_items(tree: Any) -> None:
    from gridgov.command.models import Alert

    alerts = next(s for s in sources.all_sources() if s.key == sources.ALERTS)
    start = alerts.head()
    now = timezone.now()
    alert = Alert.objects.create(
        area=tree.street,
        rule="test.rule",
        fingerprint="x",
        title="凤鸣街道超期件较多",
        level="red",
        raised_at=now,
        last_seen_at=now,
    )
    (item,) = alerts.after(start, 10)
    assert item.event == "alert" and item.cursor == alert.pk == alerts.head()
    assert item.area_path == tree.street.path
    data = json.loads(item.json)
    assert data["title"] == "凤鸣街道超期件较多"
    assert data["area"] == {"id": tree.street.pk, "name": tree.street.name}
    assert data["acknowledged"] is False


def test_publish_alert_is_harmless_without_streams() -> None:
    from gridgov.command.live import publish_alert

    publish_alert(object())  # nothing connected in this process: nothing happens


def test_the_demo_trickle_reports_a_case_only_in_the_demo(
    tree: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gridgov.cases.models import Case
    from gridgov.command.live.tasks import demo_trickle

    monkeypatch.delenv("GRIDGOV_DEMO_TRICKLE", raising=False)
    assert demo_trickle.call() == 0
    assert not Case.objects.exists()
    monkeypatch.setenv("GRIDGOV_DEMO_TRICKLE", "1")
    assert demo_trickle.call() == 1
    case = Case.objects.get()
    assert case.area_id in (tree.grid1.pk, tree.grid2.pk, tree.grid3.pk)
    assert case.events.filter(action="report").exists()
