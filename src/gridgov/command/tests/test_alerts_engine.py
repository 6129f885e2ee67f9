"""The alerts engine: raise, keep and clear by fingerprint, idempotence, a lost insert race, a
failing rule, who hears of a new alert, and the periodic job."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from gridgov.accounts.roles import Perm, Role
from gridgov.command.alerts import services
from gridgov.command.alerts.services import run_rules
from gridgov.command.models import Alert
from gridgov.command.registry import AlertHit, AlertRule
from gridgov.notifications.models import Notification

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 3, 5, 10, 0, tzinfo=SH)


class Switch:
    """A rule whose hits a test sets: ``areas`` maps fingerprint → area."""

    def __init__(self, key: str = "test.switch", perm: str = Perm.CASE_VIEW) -> None:
        self.hits: dict[str, Any] = {}
        self.level = "orange"
        self.rule = AlertRule(key=key, title="测试规则", perm=perm, check=self.check)

    def check(self, now: datetime) -> list[AlertHit]:
        return [
            AlertHit(area_id=area.pk, fingerprint=fp, title=f"测试预警 {fp}", level=self.level)
            for fp, area in self.hits.items()
        ]


@pytest.fixture
def people(tree: Any, make_user: Any) -> Any:
    class P:
        street = make_user("d_street", (Role.DISPATCHER, tree.street))
        county = make_user("d_county", (Role.DISPATCHER, tree.county))
        town = make_user("d_town", (Role.DISPATCHER, tree.town))
        leader = make_user("l_street", (Role.LEADER, tree.street))
        worker = make_user("gw", (Role.GRID_WORKER, tree.grid1))
        staff = make_user("cs", (Role.COMMUNITY_STAFF, tree.community))

    return P()


def _open(rule: str = "test.switch") -> list[Alert]:
    return list(Alert.objects.filter(rule=rule, cleared_at__isnull=True).order_by("pk"))


def test_a_new_hit_raises_an_alert_at_its_area(tree: Any) -> None:
    s = Switch()
    s.hits = {"a": tree.grid1}
    result = run_rules(now=NOW, rules=[s.rule])
    assert (result.raised, result.seen, result.cleared) == (1, 0, 0)
    (alert,) = _open()
    assert alert.area_id == tree.grid1.pk and alert.area_path == tree.grid1.path
    assert (alert.fingerprint, alert.level, alert.title) == ("a", "orange", "测试预警 a")
    assert alert.raised_at == alert.last_seen_at == NOW and alert.cleared_at is None


def test_a_hit_seen_again_is_the_same_alert_and_running_twice_raises_nothing_twice(
    tree: Any,
) -> None:
    s = Switch()
    s.hits = {"a": tree.grid1}
    run_rules(now=NOW, rules=[s.rule])
    again = run_rules(now=NOW, rules=[s.rule])
    later = run_rules(now=NOW + timedelta(minutes=2), rules=[s.rule])
    assert (again.raised, again.seen, later.raised, later.seen) == (0, 1, 0, 1)
    (alert,) = Alert.objects.filter(rule="test.switch")
    assert alert.raised_at == NOW and alert.last_seen_at == NOW + timedelta(minutes=2)


def test_an_alert_not_hit_any_more_is_cleared_and_a_new_hit_raises_a_new_one(tree: Any) -> None:
    s = Switch()
    s.hits = {"a": tree.grid1, "b": tree.grid3}
    run_rules(now=NOW, rules=[s.rule])
    del s.hits["a"]
    result = run_rules(now=NOW + timedelta(minutes=2), rules=[s.rule])
    assert (result.cleared, result.seen) == (1, 1)
    cleared = Alert.objects.get(rule="test.switch", fingerprint="a")
    assert cleared.cleared_at == NOW + timedelta(minutes=2)
    assert [a.fingerprint for a in _open()] == ["b"]
    # The condition comes back: a new alert, the cleared one stays as history.
    s.hits["a"] = tree.grid1
    assert run_rules(now=NOW + timedelta(minutes=4), rules=[s.rule]).raised == 1
    assert Alert.objects.filter(rule="test.switch", fingerprint="a").count() == 2


def test_a_changed_level_is_taken_over_without_a_new_alert(tree: Any) -> None:
    s = Switch()
    s.hits = {"a": tree.grid1}
    run_rules(now=NOW, rules=[s.rule])
    s.level = "red"
    run_rules(now=NOW + timedelta(minutes=2), rules=[s.rule])
    (alert,) = Alert.objects.filter(rule="test.switch")
    assert alert.level == "red"


def test_an_insert_that_loses_the_race_counts_as_seen(
    tree: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another worker raised the same alert between this run's read and its insert: the unique
    constraint refuses the second, which is then a hit seen again."""
    s = Switch()
    s.hits = {"a": tree.grid1}
    real = services._raise

    def racing(rule: Any, hits: Any, now: Any, result: Any) -> Any:
        Alert.objects.create(
            area=tree.grid1,
            rule=rule.key,
            fingerprint="a",
            title="另一个进程",
            raised_at=now - timedelta(seconds=1),
            last_seen_at=now - timedelta(seconds=1),
        )
        return real(rule, hits, now, result)

    monkeypatch.setattr(services, "_raise", racing)
    result = run_rules(now=NOW, rules=[s.rule])
    assert (result.raised, result.seen, result.failed) == (0, 1, [])
    (alert,) = Alert.objects.filter(rule="test.switch")
    assert alert.title == "另一个进程" and alert.last_seen_at == NOW


def test_a_failing_rule_does_not_stop_the_others_and_logs_no_data(
    tree: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(now: datetime) -> list[AlertHit]:
        raise ValueError("13812341234 张三")

    bad = AlertRule(key="test.broken", title="坏规则", perm=Perm.CASE_VIEW, check=broken)
    good = Switch()
    good.hits = {"a": tree.grid1}
    with caplog.at_level(logging.ERROR, logger="gridgov.command.alerts"):
        result = run_rules(now=NOW, rules=[bad, good.rule])
    assert result.failed == ["test.broken"]
    assert result.raised == 1 and len(_open()) == 1
    assert "test.broken" in caplog.text and "ValueError" in caplog.text
    assert "13812341234" not in caplog.text and "张三" not in caplog.text


def test_a_rule_whose_hits_cannot_be_written_does_not_stop_the_others(tree: Any) -> None:
    bad = Switch("test.bad")
    bad.hits = {"x": tree.grid1}
    bad.level = "x" * 50  # longer than the column: the write fails
    good = Switch()
    good.hits = {"a": tree.grid1}
    result = run_rules(now=NOW, rules=[bad.rule, good.rule])
    assert len(_open()) == 1
    if result.failed:  # SQLite does not enforce the length; PostgreSQL does
        assert result.failed == ["test.bad"] and not _open("test.bad")


def test_a_hit_at_an_area_that_no_longer_exists_is_skipped(tree: Any) -> None:
    class Gone:
        pk = 10**9

    s = Switch()
    s.hits = {"a": Gone(), "b": tree.grid1}
    assert run_rules(now=NOW, rules=[s.rule]).raised == 1


# --- Who hears of it -------------------------------------------------------------------------


def _inbox(user: Any) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind="command.alert"))


def test_the_dispatchers_of_the_area_get_one_notice_and_those_elsewhere_none(
    tree: Any, people: Any
) -> None:
    s = Switch()
    s.hits = {"a": tree.grid1}
    run_rules(now=NOW, rules=[s.rule])
    run_rules(now=NOW + timedelta(minutes=2), rules=[s.rule])  # seen again: no second notice
    alert = _open()[0]
    for user in (people.street, people.county, people.leader):
        (notice,) = _inbox(user)
        assert notice.title == "预警：测试预警 a"
        assert notice.target_id == str(alert.pk)
        assert notice.url == f"/command/alerts/?area={tree.grid1.pk}"
    # A dispatcher of another street, and roles without the command centre, hear nothing.
    for user in (people.town, people.worker, people.staff):
        assert _inbox(user) == []


def test_an_alert_of_a_rule_needing_another_permission_goes_to_its_holders_only(
    tree: Any, people: Any, make_user: Any
) -> None:
    admin = make_user("admin", (Role.ADMIN, tree.county))  # command.view, no mediation.sensitive
    s = Switch("test.sensitive", perm=Perm.MEDIATION_SENSITIVE)
    s.hits = {"a": tree.grid1}
    run_rules(now=NOW, rules=[s.rule])
    assert len(_inbox(people.street)) == 1  # dispatchers hold mediation.sensitive
    assert _inbox(people.leader) == [] and _inbox(admin) == []


def test_many_new_alerts_give_a_person_a_few_notices_and_one_summary(
    tree: Any, people: Any, settings: Any
) -> None:
    settings.GRIDGOV_ALERT_NOTIFY_MAX = 2
    s = Switch()
    s.hits = {str(i): tree.grid1 for i in range(5)}
    run_rules(now=NOW, rules=[s.rule])
    assert len(_inbox(people.street)) == 2
    (summary,) = Notification.objects.filter(recipient=people.street, kind="command.alert_summary")
    assert summary.title == "另有 3 条新预警"


def test_new_alerts_go_to_the_live_stream_after_commit(
    tree: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    import gridgov.command.live as live

    published: list[int] = []
    monkeypatch.setattr(live, "publish_alert", lambda alert: published.append(alert.pk), False)
    s = Switch()
    s.hits = {"a": tree.grid1}
    with django_capture_on_commit_callbacks(execute=True):
        run_rules(now=NOW, rules=[s.rule])
    assert published == [_open()[0].pk]


def test_the_engine_works_without_the_live_stream(
    tree: Any, django_capture_on_commit_callbacks: Any
) -> None:
    s = Switch()
    s.hits = {"a": tree.grid1}
    with django_capture_on_commit_callbacks(execute=True):
        assert run_rules(now=NOW, rules=[s.rule]).raised == 1


def test_every_registered_rule_runs_on_an_empty_installation(tree: Any) -> None:
    from gridgov.command import registry

    keys = {r.key for r in registry.alert_rules.all()}
    assert {
        "cases.overdue_long",
        "cases.overdue_stock",
        "cases.repeat",
        "cases.spike",
        "mediation.high_risk",
        "mediation.overdue",
    } <= keys
    result = run_rules(now=NOW)
    assert result.failed == [] and result.raised == 0


def test_the_alerts_job_runs_every_two_minutes() -> None:
    from gridgov.core.scheduler import discover

    job = discover().jobs["command.alerts"]
    assert job.every == timedelta(minutes=2)


def test_old_cleared_alerts_are_pruned_and_open_ones_kept(tree: Any) -> None:
    s = Switch()
    s.hits = {"old": tree.grid1, "kept": tree.grid1}
    run_rules(now=NOW, rules=[s.rule])
    del s.hits["old"]
    run_rules(now=NOW + timedelta(days=1), rules=[s.rule])
    recent = Switch("test.recent")
    recent.hits = {"recent": tree.grid1}
    run_rules(now=NOW + timedelta(days=100), rules=[recent.rule])
    recent.hits = {}
    run_rules(now=NOW + timedelta(days=101), rules=[recent.rule])
    deleted = services.alerts_prune(now=NOW + timedelta(days=200), days=180)
    assert deleted == 1
    assert sorted(Alert.objects.values_list("fingerprint", flat=True)) == ["kept", "recent"]


def test_the_prune_job_runs_daily() -> None:
    from gridgov.core.scheduler import discover

    assert discover().jobs["command.alerts_prune"].every == timedelta(days=1)
