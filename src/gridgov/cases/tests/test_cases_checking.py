"""The grid worker's check of residents' reports (待核实, issue 13): intake routing, the four
check actions, the take-over by triage, the sweep's timeout, the queue. Times are fixed
(NOW = Wednesday 4 March 2026 10:00, Asia/Shanghai)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from gridgov.accounts.services import role_revoke, user_update
from gridgov.cases import selectors
from gridgov.cases.models import Case, CaseAttachment, CaseEvent
from gridgov.cases.services import checking
from gridgov.cases.services import lifecycle as lc
from gridgov.cases.services.intake import case_report
from gridgov.cases.services.intake_many import case_report_many
from gridgov.cases.states import Action, HandlingLevel, Source, Status
from gridgov.cases.supervision import due_state, sweep
from gridgov.cases.tests import core_builders
from gridgov.cases.tests.core_builders import NOW, SH, category, events, fresh, row
from gridgov.cases.tests.intake_builders import (  # noqa: F401  (fixtures)
    IN_GRID1,
    IN_GRID3,
    OUTSIDE_GRIDS,
    _media,
    image_bytes,
    upload,
)
from gridgov.core.errors import Conflict, PermissionDenied, ValidationFailed
from gridgov.notifications.models import Notification

people = core_builders.people  # the fixture

# One working day after NOW.
DUE = datetime(2026, 3, 5, 10, 0, tzinfo=SH)


def report(
    point: tuple[float, float] = IN_GRID1, *, source: str = Source.RESIDENT, actor: Any = None
) -> Case:
    lon, lat = point
    return case_report(
        actor=actor,
        source=source,
        category=category(),
        title="路灯不亮",
        description="小区东门路灯不亮。",
        lon=lon,
        lat=lat,
        reported_at=NOW,
    ).case


@pytest.fixture
def to_check(people: Any) -> Case:
    """A resident's report in grid1 (which has a grid worker), waiting for the check."""
    return fresh(report(actor=people.resident))


def photo() -> Any:
    return upload(image_bytes())


# --- Intake routing ------------------------------------------------------------------------------


def test_a_residents_report_in_a_grid_with_a_worker_waits_for_the_check(people: Any) -> None:
    case = fresh(report(actor=people.resident))
    assert case.status == Status.TO_CHECK
    assert case.check_due_at == DUE  # the category's default: 1 working day
    assert case.watch_at == DUE
    entry = CaseEvent.objects.get(case=case)
    assert (entry.action, entry.to_status) == (Action.REPORT, Status.TO_CHECK)


def test_the_check_limit_is_the_categorys(people: Any) -> None:
    cat = category()
    cat.check_limit, cat.check_unit = 2, "hours"
    cat.save()
    case = fresh(report())
    assert case.check_due_at == datetime(2026, 3, 4, 12, 0, tzinfo=SH)


@pytest.mark.parametrize(
    "where, source",
    [
        (IN_GRID1, Source.PATROL),  # staff's own report
        (IN_GRID1, Source.HOTLINE),  # 12345: the dispatchers' business
        (OUTSIDE_GRIDS, Source.RESIDENT),  # the county pool
    ],
)
def test_other_reports_go_to_acceptance_as_before(
    people: Any, where: tuple[float, float], source: str
) -> None:
    actor = people.worker if source == Source.PATROL else None
    case = fresh(report(where, source=source, actor=actor))
    assert case.status == Status.REPORTED
    assert case.check_due_at is None and case.watch_at is None


def test_a_grid_without_an_active_worker_skips_the_check(people: Any, tree: Any) -> None:
    # grid3 has worker3: deactivate them, and revoke worker2's grant of grid2.
    user_update(actor=None, user=people.worker3, is_active=False)
    assert fresh(report(IN_GRID3)).status == Status.REPORTED
    user_update(actor=None, user=people.worker3, is_active=True)
    assert fresh(report(IN_GRID3)).status == Status.TO_CHECK
    grant = people.worker3.grants.get()
    role_revoke(actor=None, grant=grant)
    assert fresh(report(IN_GRID3)).status == Status.REPORTED


def test_a_batch_routes_each_report_like_one(people: Any) -> None:
    lon, lat = IN_GRID1
    base = {"category": category(), "title": "井盖缺失", "lon": lon, "lat": lat}
    results = case_report_many(
        actor=None,
        reports=[{**base, "source": Source.RESIDENT}, {**base, "source": Source.VISIT}],
    )
    first, second = (fresh(r.case) for r in results)  # type: ignore[union-attr]
    assert first.status == Status.TO_CHECK and first.check_due_at is not None
    assert second.status == Status.REPORTED and second.check_due_at is None
    assert CaseEvent.objects.get(case=first).to_status == Status.TO_CHECK


# --- The four checks ---------------------------------------------------------------------------


def test_verify_on_site_sends_it_on_for_acceptance(to_check: Case, people: Any) -> None:
    checking.case_check_confirm(
        actor=people.worker,
        case=to_check,
        version=to_check.version,
        note="属实，路灯确实不亮。",
        photos=[photo()],
        now=NOW + timedelta(hours=1),
    )
    case = fresh(to_check)
    assert case.status == Status.REPORTED
    assert case.watch_at is None
    entry = CaseEvent.objects.filter(case=case).last()
    assert entry is not None
    assert (entry.action, entry.note, entry.data["on_time"]) == (
        Action.CHECK_CONFIRM,
        "属实，路灯确实不亮。",
        True,
    )
    assert CaseAttachment.objects.filter(event=entry).count() == 1
    assert case in selectors.case_list_for(actor=people.dispatcher, queue="to_accept")
    lc.case_accept(actor=people.dispatcher, case=case, version=case.version, now=NOW)
    assert fresh(case).status == Status.ACCEPTED


def test_resolve_on_the_spot_closes_at_grid_level(to_check: Case, people: Any) -> None:
    checking.case_check_resolve(
        actor=people.worker,
        case=to_check,
        version=to_check.version,
        reply="已更换灯泡。",
        photos=[photo()],
        now=NOW,
    )
    case = fresh(to_check)
    assert case.status == Status.CLOSED
    assert case.resolved_on_spot is True
    assert case.resolved_level == HandlingLevel.GRID
    assert case.assigned_area_id == case.area_id
    assert case.reply == "已更换灯泡。"
    assert events(case) == [
        "report",
        "check_resolve",
        "accept",
        "dispatch",
        "sign",
        "reply",
        "verify_pass",
    ]
    marker = CaseEvent.objects.get(case=case, action=Action.CHECK_RESOLVE)
    assert marker.attachments.count() == 1
    # The reporter hears that it is done.
    assert Notification.objects.filter(recipient=people.resident, kind="case.closed").exists()


def test_resolve_needs_a_photo_and_a_reply(to_check: Case, people: Any) -> None:
    before = row(to_check)
    with pytest.raises(ValidationFailed) as caught:
        checking.case_check_resolve(
            actor=people.worker, case=to_check, version=to_check.version, reply="已处理", photos=[]
        )
    assert "photos" in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        checking.case_check_resolve(
            actor=people.worker,
            case=to_check,
            version=to_check.version,
            reply=" ",
            photos=[photo()],
        )
    assert "reply" in caught.value.fields
    assert row(to_check) == before


def test_reject_tells_the_reporter_the_reason(to_check: Case, people: Any) -> None:
    checking.case_check_reject(
        actor=people.worker,
        case=to_check,
        version=to_check.version,
        reason="untrue",
        note="现场查看，路灯正常。",
        now=NOW,
    )
    case = fresh(to_check)
    assert case.status == Status.REJECTED
    entry = CaseEvent.objects.get(case=case, action=Action.CHECK_REJECT)
    assert entry.data["reason"] == "untrue"
    public = entry.data["public"]
    assert "现场查看，路灯正常。" in public
    told = Notification.objects.get(recipient=people.resident, kind="case.rejected")
    assert told.body == public


def test_reject_needs_a_known_reason(to_check: Case, people: Any) -> None:
    before = row(to_check)
    for reason in ("", "annoying"):
        with pytest.raises(ValidationFailed) as caught:
            checking.case_check_reject(
                actor=people.worker, case=to_check, version=to_check.version, reason=reason
            )
        assert "reason" in caught.value.fields
    assert row(to_check) == before


def test_pass_up_goes_to_the_dispatchers_at_once(to_check: Case, people: Any) -> None:
    with pytest.raises(ValidationFailed):
        checking.case_check_pass_up(
            actor=people.worker, case=to_check, version=to_check.version, note=""
        )
    checking.case_check_pass_up(
        actor=people.worker,
        case=to_check,
        version=to_check.version,
        note="涉及供电线路，网格无法处置。",
        now=NOW,
    )
    case = fresh(to_check)
    assert case.status == Status.REPORTED
    assert events(case)[-1] == Action.CHECK_PASS_UP


def test_community_staff_may_check_too(to_check: Case, people: Any) -> None:
    checking.case_check_confirm(
        actor=people.community, case=to_check, version=to_check.version, now=NOW
    )
    assert fresh(to_check).status == Status.REPORTED


# --- Refusals change nothing -------------------------------------------------------------------


CALLS = {
    "confirm": lambda **kw: checking.case_check_confirm(**kw),
    "resolve": lambda **kw: checking.case_check_resolve(**kw, reply="已处理", photos=[photo()]),
    "reject": lambda **kw: checking.case_check_reject(**kw, reason="duplicate"),
    "pass_up": lambda **kw: checking.case_check_pass_up(**kw, note="需上级处理"),
}


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize("who", ["worker2", "worker3", "dispatcher", "handler", "resident"])
def test_others_may_not_check(to_check: Case, people: Any, call: str, who: str) -> None:
    before = row(to_check)
    with pytest.raises(PermissionDenied):
        CALLS[call](actor=getattr(people, who), case=to_check, version=to_check.version)
    assert row(to_check) == before
    assert events(to_check) == ["report"]


@pytest.mark.parametrize("call", sorted(CALLS))
def test_a_stale_version_is_a_conflict(to_check: Case, people: Any, call: str) -> None:
    stale = fresh(to_check)
    checking.case_check_pass_up(
        actor=people.worker, case=to_check, version=to_check.version, note="先上报"
    )
    fresh(to_check)
    before = row(to_check)
    with pytest.raises(Conflict) as caught:
        CALLS[call](actor=people.worker, case=stale, version=stale.version)
    assert caught.value.code == "stale_version"
    assert row(to_check) == before


@pytest.mark.parametrize("call", sorted(CALLS))
def test_only_a_report_to_check_can_be_checked(people: Any, call: str) -> None:
    case = fresh(report(actor=people.resident))
    checking.case_check_confirm(actor=people.worker, case=case, version=case.version)
    case = fresh(case)
    before = row(case)
    with pytest.raises(Conflict) as caught:
        CALLS[call](actor=people.worker, case=case, version=case.version)
    assert caught.value.code == "action_not_allowed"
    assert row(case) == before


# --- Take-over by triage -----------------------------------------------------------------------


def test_a_dispatcher_may_take_the_report_over(to_check: Case, people: Any) -> None:
    lc.case_accept(actor=people.dispatcher, case=to_check, version=to_check.version, now=NOW)
    case = fresh(to_check)
    assert case.status == Status.ACCEPTED
    assert case.watch_at is None  # the check deadline no longer runs
    assert sweep(now=DUE + timedelta(hours=1)).check_timeout == 0


# --- The deadline ------------------------------------------------------------------------------


def test_a_report_not_checked_in_time_goes_to_the_dispatchers(to_check: Case, people: Any) -> None:
    assert due_state(to_check, now=DUE - timedelta(minutes=1)) == "ok"
    assert due_state(to_check, now=DUE + timedelta(minutes=1)) == "overdue"
    assert sweep(now=DUE - timedelta(minutes=1)).check_timeout == 0
    result = sweep(now=DUE + timedelta(minutes=5))
    assert result.check_timeout == 1
    case = fresh(to_check)
    assert case.status == Status.REPORTED
    assert case.watch_at is None
    assert case.version == to_check.version + 1
    entry = CaseEvent.objects.get(case=case, action=Action.CHECK_TIMEOUT)
    assert (entry.actor_id, entry.actor_name) == (None, "system")
    assert (entry.from_status, entry.to_status) == (Status.TO_CHECK, Status.REPORTED)
    assert case in selectors.case_list_for(actor=people.dispatcher, queue="to_accept")
    notices = Notification.objects.filter(kind="case.check_timeout")
    assert set(notices.values_list("recipient_id", flat=True)) == {
        people.dispatcher.pk,
        people.county.pk,
    }
    # Once: a second report timing out while the notice is unread adds none; a second sweep
    # has nothing left to do.
    other = fresh(report(actor=people.resident))
    sweep(now=DUE + timedelta(days=3))
    assert fresh(other).status == Status.REPORTED
    assert notices.count() == 2
    assert sweep(now=DUE + timedelta(days=4)).check_timeout == 0
    assert list(events(case)).count(Action.CHECK_TIMEOUT) == 1


def test_a_checked_report_is_left_alone_by_the_sweep(to_check: Case, people: Any) -> None:
    checking.case_check_confirm(actor=people.worker, case=to_check, version=to_check.version)
    assert sweep(now=DUE + timedelta(hours=1)).check_timeout == 0
    assert Action.CHECK_TIMEOUT not in events(to_check)


# --- The queue and the on-site check after the reply (核查) ------------------------------------


def test_the_queue_to_check_is_the_grids(to_check: Case, people: Any) -> None:
    assert list(selectors.case_list_for(actor=people.worker, queue="to_check")) == [to_check]
    assert selectors.queue_counts(actor=people.worker)["to_check"] == 1
    assert selectors.queue_counts(actor=people.community)["to_check"] == 1
    assert selectors.queue_counts(actor=people.worker2)["to_check"] == 0
    assert selectors.queue_counts(actor=people.dispatcher)["to_check"] == 0


def test_the_grid_worker_verifies_a_resolved_case_of_the_grid(tree: Any, people: Any) -> None:
    case = core_builders.make_case(
        tree.grid1, status=Status.RESOLVED, unit=tree.community, number="T3"
    )
    assert case in selectors.case_list_for(actor=people.worker, queue="to_verify")
    with pytest.raises(PermissionDenied):
        lc.case_verify(actor=people.worker2, case=case, version=case.version, passed=True)
    lc.case_verify(actor=people.worker, case=case, version=case.version, passed=True, now=NOW)
    assert fresh(case).status == Status.CLOSED


# --- The API and the page answer bad input -----------------------------------------------------


def _api(user: Any, case: Case, action: str, body: dict[str, Any]) -> Any:
    import json

    from django.test import Client

    from gridgov.accounts.services import token_issue

    _t, raw = token_issue(user=user)
    return Client().post(
        f"/api/v1/cases/{case.pk}/actions/{action}",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )


def test_the_api_answers_bad_input_with_4xx_json(to_check: Case, people: Any) -> None:
    import base64

    before = row(to_check)
    v = to_check.version
    r = _api(people.worker, to_check, "check_resolve", {"version": v, "reply": "已处理"})
    assert r.status_code == 400 and "photos" in r.json()["fields"]
    r = _api(people.worker, to_check, "check_reject", {"version": v, "reason": "boring"})
    assert r.status_code == 400 and "reason" in r.json()["fields"]
    r = _api(people.worker, to_check, "check_pass_up", {"version": v - 1, "note": "上报"})
    assert r.status_code == 409 and r.json()["code"] == "stale_version"
    r = _api(people.dispatcher, to_check, "check_confirm", {"version": v})
    assert r.status_code == 403
    assert row(to_check) == before
    photo64 = base64.b64encode(image_bytes()).decode()
    r = _api(
        people.worker,
        to_check,
        "check_resolve",
        {"version": v, "reply": "已处理", "photos": [photo64]},
    )
    assert r.status_code == 200
    assert r.json()["status"] == Status.CLOSED


def test_the_page_asks_for_a_reason(to_check: Case, people: Any) -> None:
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(people.worker)
    url = reverse("cases:act", args=[to_check.pk, "check_reject"])
    response = client.post(url, {"version": to_check.version, "reason": "", "note": ""})
    assert response.status_code == 400
    assert "reason" in response.context["action_forms"][2]["form"].errors
    assert fresh(to_check).status == Status.TO_CHECK
    detail = client.get(reverse("cases:detail", args=[to_check.pk]))
    offered = [f["action"] for f in detail.context["action_forms"]]
    assert offered[:4] == ["check_confirm", "check_resolve", "check_reject", "check_pass_up"]


def test_the_home_page_counts_the_grid_workers_to_dos(tree: Any, people: Any) -> None:
    from django.test import Client
    from django.urls import reverse

    report(actor=people.resident)
    make = core_builders.make_case
    make(tree.grid1, status=Status.RESOLVED, unit=tree.community, number="T1")
    make(tree.grid1, status=Status.ASSIGNED, unit=tree.grid1, number="T2")
    client = Client()
    client.force_login(people.worker)
    tabs = client.get(reverse("core:home")).context["todo_tabs"]
    todos = {t["key"]: t["count"] for t in tabs}
    assert todos["to_check"] == 1 and todos["to_sign"] == 1
    assert todos["in_progress"] == 0 and todos["to_verify"] == 1
    client.force_login(people.dispatcher)
    keys = [t["key"] for t in client.get(reverse("core:home")).context["todo_tabs"]]
    assert "to_check" not in keys and "to_accept" in keys
