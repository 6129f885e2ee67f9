"""The mediation alert rules (gridgov.mediation.command.alerts) on disputes made and moved
through the real services: high-risk disputes and overdue mediations fire and clear."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from gridgov.accounts.roles import Role
from gridgov.command import registry
from gridgov.command.alerts.services import run_rules
from gridgov.command.models import Alert
from gridgov.mediation.disputes import services as svc
from gridgov.mediation.disputes.sweep import sweep
from gridgov.mediation.tests.dispute_builders import dispute_type, register
from gridgov.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tree: Any, make_user: Any) -> Any:
    class P:
        dispatcher = make_user("di", (Role.DISPATCHER, tree.street))
        far_dispatcher = make_user("di2", (Role.DISPATCHER, tree.town))
        mediator = make_user("med", (Role.MEDIATOR, tree.community))
        leader = make_user("le", (Role.LEADER, tree.street))

    return P()


def _rule(key: str) -> list[Any]:
    return [registry.alert_rules.get(key)]


def _open(key: str) -> list[Alert]:
    return list(Alert.objects.filter(rule=key, cleared_at__isnull=True).order_by("pk"))


def test_a_high_risk_dispute_raises_a_red_alert_until_its_risk_is_lowered(
    tree: Any, people: Any
) -> None:
    d = register(tree.grid1, risk="red", risk_reasons="扬言报复")
    register(tree.grid1)  # green: no alert
    rule = _rule("mediation.high_risk")
    assert run_rules(rules=rule).raised == 1
    assert run_rules(rules=rule).raised == 0
    (alert,) = _open("mediation.high_risk")
    assert (alert.level, alert.item_kind, alert.item_id) == ("red", "dispute", d.pk)
    assert alert.title == f"高风险纠纷：{d.number} {d.type.name}"
    assert "漏水" not in alert.title and "张三" not in alert.title
    assert Notification.objects.filter(recipient=people.dispatcher, kind="command.alert").count()
    assert not Notification.objects.filter(recipient=people.far_dispatcher, kind="command.alert")
    svc.dispute_set_risk(
        actor=people.dispatcher, dispute=d, version=d.version, risk="green", reasons="已缓和"
    )
    assert run_rules(rules=rule).cleared == 1
    assert _open("mediation.high_risk") == []


def test_a_sensitive_high_risk_dispute_shows_only_its_number(tree: Any) -> None:
    family = dispute_type("family", name="婚姻家庭纠纷", sensitive=True)
    d = register(tree.grid1, type=family, risk="red", risk_reasons="家暴风险")
    run_rules(rules=_rule("mediation.high_risk"))
    (alert,) = _open("mediation.high_risk")
    assert alert.title == f"高风险纠纷：{d.number}"


def test_an_overdue_mediation_raises_an_alert_that_clears_when_the_clock_stops(
    tree: Any, people: Any
) -> None:
    d = register(tree.grid1)
    svc.dispute_accept(actor=people.dispatcher, dispute=d, version=d.version)
    rule = _rule("mediation.overdue")
    assert run_rules(rules=rule).raised == 0  # the deadline is weeks away
    assert d.due_at is not None
    sweep(now=d.due_at + timedelta(minutes=1))
    assert run_rules(now=d.due_at + timedelta(minutes=2), rules=rule).raised == 1
    (alert,) = _open("mediation.overdue")
    assert (alert.level, alert.item_id) == ("orange", d.pk)
    assert alert.title == f"调解超期：{d.number} {d.type.name}"
    d.refresh_from_db()
    svc.dispute_outcome(
        actor=people.mediator,
        dispute=d,
        version=d.version,
        outcome="withdrawn",
        now=d.due_at + timedelta(minutes=3),
    )
    assert run_rules(now=d.due_at + timedelta(minutes=4), rules=rule).cleared == 1
