"""Screening (摸排): plans, the worker's rounds, filing returns, coverage — services, API and
pages."""

from __future__ import annotations

import importlib.util
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gridgov.accounts.roles import Role
from gridgov.accounts.services import token_issue
from gridgov.areas.codes import Level
from gridgov.areas.services import area_create
from gridgov.audit.models import AuditEntry, Event
from gridgov.core.errors import Code, Conflict, NotFound, PermissionDenied, ValidationFailed
from gridgov.mediation.models import (
    Dispute,
    DisputeType,
    ScreeningEvent,
    ScreeningPlan,
    ScreeningReturn,
    ScreeningRound,
)
from gridgov.mediation.screening import selectors, services
from gridgov.mediation.screening.services import DisputeIn

HAVE_REGISTER = importlib.util.find_spec("gridgov.mediation.disputes.services") is not None
needs_register = pytest.mark.skipif(
    not HAVE_REGISTER, reason="the dispute register (i16-flow) is not merged yet"
)
MONDAY = date(2026, 12, 7)


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people(tree: Any, make_user: Any) -> Any:
    class P:
        worker = make_user("gw1", (Role.GRID_WORKER, tree.grid1))
        worker2 = make_user("gw2", (Role.GRID_WORKER, tree.grid2))
        worker3 = make_user("gw3", (Role.GRID_WORKER, tree.grid3))
        staff = make_user("cs", (Role.COMMUNITY_STAFF, tree.community))
        dispatcher = make_user("di", (Role.DISPATCHER, tree.street))
        county = make_user("di_county", (Role.DISPATCHER, tree.county))

    return P


@pytest.fixture
def neighbours(db: Any) -> DisputeType:
    return DisputeType.objects.update_or_create(code="neighbour", defaults={"name": "邻里纠纷"})[0]


def open_street(tree: Any, day: date = MONDAY, period: str = "weekly") -> ScreeningRound:
    return services.screening_round_open(actor=None, area=tree.street, period=period, starts_on=day)


def ret_of(round_: ScreeningRound, grid: Any) -> ScreeningReturn:
    return ScreeningReturn.objects.get(round=round_, area=grid)


def nothing(actor: Any, ret: ScreeningReturn, key: str = "", note: str = "") -> ScreeningReturn:
    return services.screening_return_file(
        actor=actor,
        screening_return=ret,
        version=ret.version,
        nothing_found=True,
        note=note,
        key=key,
    )


# --- Periods and rounds ----------------------------------------------------------------------


def test_period_bounds_are_the_week_from_monday_and_the_calendar_month() -> None:
    assert services.period_bounds("weekly", date(2026, 12, 10)) == (MONDAY, date(2026, 12, 13))
    assert services.period_bounds("weekly", MONDAY) == (MONDAY, date(2026, 12, 13))
    assert services.period_bounds("monthly", date(2026, 2, 14)) == (
        date(2026, 2, 1),
        date(2026, 2, 28),
    )
    with pytest.raises(ValidationFailed):
        services.period_bounds("daily", MONDAY)


def test_opening_a_round_owes_one_return_per_grid_under_the_area(tree: Any) -> None:
    round_ = services.screening_round_open(
        actor=None, area=tree.street, period="weekly", starts_on=date(2026, 12, 9)
    )
    assert (round_.starts_on, round_.due_on) == (MONDAY, date(2026, 12, 13))
    assert "2026" in round_.title and "50" in round_.title
    grids = set(ScreeningReturn.objects.filter(round=round_).values_list("area_id", flat=True))
    assert grids == {tree.grid1.pk, tree.grid2.pk}  # not 金沙村网格, in another town
    assert all(r.filed_at is None for r in round_.returns.all())
    assert ScreeningEvent.objects.filter(round=round_, action="opened").count() == 1


def test_opening_again_adds_only_new_grids(tree: Any) -> None:
    first = open_street(tree)
    again = open_street(tree, MONDAY + timedelta(days=3))
    assert again.pk == first.pk
    assert ScreeningReturn.objects.filter(round=first).count() == 2
    assert ScreeningEvent.objects.filter(round=first).count() == 1  # nothing new, no entry
    grid = area_create(
        actor=None, parent=tree.community, level=Level.GRID, code="640110001001003", name="网格三"
    )
    open_street(tree)
    assert ScreeningReturn.objects.filter(round=first, area=grid).exists()
    assert ScreeningReturn.objects.filter(round=first).count() == 3


def test_a_round_needs_manage_at_the_area(tree: Any, people: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.screening_round_open(
            actor=people.staff, area=tree.community, period="weekly", starts_on=MONDAY
        )
    with pytest.raises(PermissionDenied):
        services.screening_round_open(
            actor=people.dispatcher, area=tree.town, period="weekly", starts_on=MONDAY
        )
    assert not ScreeningRound.objects.exists()
    services.screening_round_open(
        actor=people.dispatcher, area=tree.community, period="monthly", starts_on=MONDAY
    )
    assert ScreeningRound.objects.get().due_on == date(2026, 12, 31)


# --- Plans and the worker's job ---------------------------------------------------------------


def test_the_job_opens_the_current_round_of_every_active_plan_once(tree: Any) -> None:
    services.screening_plan_set(actor=None, area=tree.street, period="weekly")
    services.screening_plan_set(actor=None, area=tree.village, period="monthly")
    result = services.screening_rounds_open_due(today=date(2026, 12, 10))
    assert result.as_dict() == {"rounds": 2, "returns": 3}
    assert services.screening_rounds_open_due(today=date(2026, 12, 11)).as_dict() == {
        "rounds": 0,
        "returns": 0,
    }
    assert ScreeningRound.objects.count() == 2
    assert ScreeningReturn.objects.count() == 3
    # Next week: the weekly plan's new round; the monthly one is still the same month.
    assert services.screening_rounds_open_due(today=date(2026, 12, 14)).as_dict() == {
        "rounds": 1,
        "returns": 2,
    }


def test_a_paused_plan_opens_nothing(tree: Any, people: Any) -> None:
    plan = services.screening_plan_set(actor=people.dispatcher, area=tree.street, period="weekly")
    plan = services.screening_plan_set(
        actor=people.dispatcher, area=tree.street, period="weekly", active=False
    )
    assert plan.version == 2 and not plan.active
    assert services.screening_rounds_open_due(today=MONDAY).rounds == 0
    entries = AuditEntry.objects.filter(event=Event.CONFIG_CHANGED, target_id=str(plan.pk))
    assert entries.count() == 2
    assert entries.first().detail["after"] == {"period": "weekly", "active": False}


def test_plans_need_manage_and_a_county_street_or_community(tree: Any, people: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.screening_plan_set(actor=people.staff, area=tree.community, period="weekly")
    with pytest.raises(ValidationFailed) as exc:
        services.screening_plan_set(actor=people.dispatcher, area=tree.grid1, period="weekly")
    assert exc.value.code == Code.WRONG_LEVEL
    assert not ScreeningPlan.objects.exists()


def test_the_job_is_registered_with_the_scheduler() -> None:
    from gridgov.core.scheduler import discover

    assert "mediation.screening_rounds" in discover().jobs


def test_the_task_runs_the_job(tree: Any) -> None:
    from gridgov.mediation.screening.tasks import open_screening_rounds

    services.screening_plan_set(actor=None, area=tree.street, period="weekly")
    assert open_screening_rounds.call() == {"rounds": 1, "returns": 2}
    assert open_screening_rounds.call() == {"rounds": 0, "returns": 0}


# --- Filing -----------------------------------------------------------------------------------


def test_nothing_found_files_the_return(tree: Any, people: Any) -> None:
    ret = ret_of(open_street(tree, timezone.localdate()), tree.grid1)
    filed = nothing(people.worker, ret, key="k1", note="走访了12户")
    assert filed.filed_at and filed.filed_by == people.worker and filed.nothing_found
    assert not filed.late and filed.version == 2 and filed.note == "走访了12户"
    entry = ScreeningEvent.objects.get(screening_return=ret, action="filed")
    assert entry.data == {
        "grid": tree.grid1.pk,
        "nothing_found": True,
        "late": False,
        "disputes": [],
    }


def test_the_same_key_again_is_answered_and_another_filing_is_a_conflict(
    tree: Any, people: Any
) -> None:
    ret = ret_of(open_street(tree, timezone.localdate()), tree.grid1)
    first = nothing(people.worker, ret, key="tap-1")
    again = nothing(people.worker, ret, key="tap-1")
    assert again.pk == first.pk and again.version == first.version
    assert ScreeningEvent.objects.filter(action="filed").count() == 1
    with pytest.raises(Conflict) as exc:
        nothing(people.worker, ScreeningReturn.objects.get(pk=ret.pk), key="tap-2")
    assert exc.value.code == Code.SCREENING_ALREADY_FILED
    with pytest.raises(Conflict):
        nothing(people.worker, ScreeningReturn.objects.get(pk=ret.pk))


def test_a_stale_version_is_refused(tree: Any, people: Any) -> None:
    ret = ret_of(open_street(tree, timezone.localdate()), tree.grid1)
    with pytest.raises(Conflict) as exc:
        services.screening_return_file(
            actor=people.worker, screening_return=ret, version=7, nothing_found=True
        )
    assert exc.value.code == Code.STALE_VERSION
    assert ScreeningReturn.objects.get(pk=ret.pk).filed_at is None


def test_filing_after_the_due_date_is_late(tree: Any, people: Any) -> None:
    old = open_street(tree, timezone.localdate() - timedelta(days=14))
    filed = nothing(people.worker, ret_of(old, tree.grid1))
    assert filed.late


def test_nothing_found_and_disputes_exclude_each_other(
    tree: Any, people: Any, neighbours: DisputeType
) -> None:
    ret = ret_of(open_street(tree), tree.grid1)
    found = DisputeIn(type=neighbours, title="楼上漏水", party_name="张三")
    with pytest.raises(ValidationFailed) as both:
        services.screening_return_file(
            actor=people.worker,
            screening_return=ret,
            version=1,
            nothing_found=True,
            disputes=[found],
        )
    assert both.value.code == Code.SCREENING_NOTHING_AND_DISPUTES
    with pytest.raises(ValidationFailed) as neither:
        services.screening_return_file(
            actor=people.worker, screening_return=ret, version=1, nothing_found=False
        )
    assert neither.value.code == Code.SCREENING_EMPTY_RETURN
    with pytest.raises(ValidationFailed) as unnamed:
        services.screening_return_file(
            actor=people.worker,
            screening_return=ret,
            version=1,
            nothing_found=False,
            disputes=[DisputeIn(type=neighbours, title="楼上漏水", party_name=" ")],
        )
    assert "disputes.0.party_name" in unnamed.value.fields
    assert ScreeningReturn.objects.get(pk=ret.pk).filed_at is None


def test_only_a_reporter_of_the_grid_files(tree: Any, people: Any) -> None:
    ret = ret_of(open_street(tree), tree.grid1)
    for outsider in (people.worker2, people.worker3):
        with pytest.raises(PermissionDenied):
            nothing(outsider, ret)
        with pytest.raises(NotFound):
            selectors.return_get(outsider, ret.pk, "mediation.report")
    assert ScreeningReturn.objects.get(pk=ret.pk).filed_at is None


@needs_register
def test_disputes_found_are_registered_from_the_return(
    tree: Any, people: Any, neighbours: DisputeType
) -> None:
    ret = ret_of(open_street(tree, timezone.localdate()), tree.grid1)
    filed = services.screening_return_file(
        actor=people.worker,
        screening_return=ret,
        version=ret.version,
        nothing_found=False,
        disputes=[
            DisputeIn(
                type=neighbours, title="楼上漏水", party_name="张三", party_phone="13800138000"
            ),
            DisputeIn(type=neighbours, title="占道停车", party_name="李四", risk="yellow"),
        ],
        key="abc",
    )
    disputes = list(Dispute.objects.filter(screening_return=filed).order_by("pk"))
    assert [d.title for d in disputes] == ["楼上漏水", "占道停车"]
    assert all(d.source == "screening" and d.area_id == tree.grid1.pk for d in disputes)
    assert disputes[1].risk == "yellow"
    assert not filed.nothing_found
    entry = ScreeningEvent.objects.get(screening_return=filed)
    assert entry.data["disputes"] == [d.pk for d in disputes]


@needs_register
def test_a_refused_dispute_undoes_the_whole_filing(
    tree: Any, people: Any, neighbours: DisputeType
) -> None:
    ret = ret_of(open_street(tree), tree.grid1)
    with pytest.raises(ValidationFailed) as exc:
        services.screening_return_file(
            actor=people.worker,
            screening_return=ret,
            version=ret.version,
            nothing_found=False,
            disputes=[
                DisputeIn(type=neighbours, title="楼上漏水", party_name="张三"),
                DisputeIn(type=neighbours, title="占道", party_name="李四", party_phone="12"),
            ],
        )
    assert any(k.startswith("disputes.1.") for k in exc.value.fields)
    assert not Dispute.objects.exists()
    assert ScreeningReturn.objects.get(pk=ret.pk).filed_at is None


# --- Coverage ---------------------------------------------------------------------------------


def test_coverage_counts_by_street_and_community_for_whom_sees_them(tree: Any, people: Any) -> None:
    today = date(2026, 12, 20)
    round_ = services.screening_round_open(
        actor=None, area=tree.county, period="weekly", starts_on=MONDAY
    )
    nothing(people.worker, ret_of(round_, tree.grid1))
    cov = selectors.round_coverage(people.county, round_, today=today)
    t = cov.total
    assert (t.grids, t.filed, t.nothing_found, t.pending, t.overdue, t.late) == (3, 1, 1, 2, 2, 0)
    assert [(r.area.name, r.grids, r.filed) for r in cov.streets] == [
        ("凤鸣街道", 2, 1),
        ("金沙镇", 1, 0),
    ]
    assert [(r.area.name, r.pending) for r in cov.communities] == [("凤鸣社区", 1), ("金沙村", 1)]
    assert {r.area.name for r in cov.missing} == {"网格二", "金沙村网格"}
    # Community staff see the county's round through their grids, and only those.
    assert selectors.round_get(people.staff, round_.pk) == round_
    mine = selectors.round_coverage(people.staff, round_, today=today)
    assert (mine.total.grids, mine.total.filed, mine.total.rate) == (2, 1, 50)
    assert [r.area.name for r in mine.communities] == ["凤鸣社区"]
    with pytest.raises(NotFound):
        selectors.round_get(
            people.worker3,
            services.screening_round_open(
                actor=None, area=tree.street, period="weekly", starts_on=MONDAY
            ).pk,
        )


# --- API --------------------------------------------------------------------------------------

API = "/api/v1/mediation/screening"


def call(method: str, url: str, user: Any, body: Any = None) -> Any:
    _token, raw = token_issue(user=user)
    kw: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    if body is not None:
        kw.update(data=body, content_type="application/json")
    return getattr(Client(), method)(url, **kw)


def test_api_lists_rounds_coverage_and_my_pending_returns(tree: Any, people: Any) -> None:
    round_ = open_street(tree, timezone.localdate())
    rounds = call("get", f"{API}/rounds", people.staff)
    assert rounds.status_code == 200
    assert [r["id"] for r in rounds.json()] == [round_.pk]
    assert call("get", f"{API}/rounds", people.worker3).json() == []
    cov = call("get", f"{API}/rounds/{round_.pk}/coverage", people.staff).json()
    assert cov["total"]["grids"] == 2 and cov["total"]["pending"] == 2
    assert [c["area"]["name"] for c in cov["communities"]] == ["凤鸣社区"]
    assert call("get", f"{API}/rounds/{round_.pk}/coverage", people.worker3).status_code == 404
    mine = call("get", f"{API}/returns/mine", people.worker).json()
    assert [(r["area"]["name"], r["status"]) for r in mine] == [("网格一", "pending")]


def test_api_files_a_return_once(tree: Any, people: Any) -> None:
    ret = ret_of(open_street(tree, timezone.localdate()), tree.grid1)
    url = f"{API}/returns/{ret.pk}/file"
    body = {"version": 1, "nothing_found": True, "key": "phone-1"}
    first = call("post", url, people.worker, body)
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "filed" and first.json()["nothing_found"]
    again = call("post", url, people.worker, body)
    assert again.status_code == 200 and again.json()["version"] == first.json()["version"]
    other = call("post", url, people.worker, {**body, "key": "phone-2"})
    assert other.status_code == 409
    assert other.json()["code"] == "screening_already_filed"
    assert call("get", f"{API}/returns/mine", people.worker).json() == []


def test_api_refuses_bad_filings_with_catalogued_codes(
    tree: Any, people: Any, neighbours: DisputeType
) -> None:
    ret = ret_of(open_street(tree), tree.grid1)
    url = f"{API}/returns/{ret.pk}/file"
    dispute = {"type": neighbours.pk, "title": "漏水", "party_name": "张三"}
    both = call(
        "post", url, people.worker, {"version": 1, "nothing_found": True, "disputes": [dispute]}
    )
    assert both.status_code == 400 and both.json()["code"] == "screening_nothing_and_disputes"
    neither = call("post", url, people.worker, {"version": 1})
    assert neither.json()["code"] == "screening_empty_return"
    unknown = call(
        "post", url, people.worker, {"version": 1, "disputes": [{**dispute, "type": 999}]}
    )
    assert unknown.status_code == 400 and unknown.json()["code"] == "validation_failed"
    stale = call("post", url, people.worker, {"version": 5, "nothing_found": True})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    assert (
        call("post", url, people.worker3, {"version": 1, "nothing_found": True}).status_code == 404
    )
    assert call("post", url, people.staff, {"version": 1, "nothing_found": True}).status_code == 200


def test_api_sets_plans_and_opens_rounds(tree: Any, people: Any) -> None:
    put = call(
        "put",
        f"{API}/plans",
        people.dispatcher,
        {"area_id": tree.community.pk, "period": "monthly"},
    )
    assert put.status_code == 200 and put.json()["period"] == "monthly"
    assert [p["area"]["id"] for p in call("get", f"{API}/plans", people.dispatcher).json()] == [
        tree.community.pk
    ]
    assert (
        call(
            "put",
            f"{API}/plans",
            people.dispatcher,
            {"area_id": tree.village.pk, "period": "weekly"},
        ).status_code
        == 404
    )
    assert call("get", f"{API}/plans", people.staff).status_code == 403
    opened = call(
        "post",
        f"{API}/rounds",
        people.dispatcher,
        {"area_id": tree.street.pk, "period": "weekly", "starts_on": "2026-12-09"},
    )
    assert opened.status_code == 201 and opened.json()["starts_on"] == "2026-12-07"


# --- Pages ------------------------------------------------------------------------------------


def signed_in(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_my_returns_page_files_nothing_found_in_one_tap(tree: Any, people: Any) -> None:
    ret = ret_of(open_street(tree, timezone.localdate()), tree.grid1)
    c = signed_in(people.worker)
    page = c.get(reverse("mediation:screening_mine"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "网格一" in text and "网格二" not in text and "没有发现" in text
    key = page.context["pending"][0][1].initial["key"]
    url = reverse("mediation:screening_nothing_found", args=[ret.pk])
    done = c.post(url, {"version": 1, "key": key}, follow=True)
    assert "已上报" in done.content.decode()
    assert ScreeningReturn.objects.get(pk=ret.pk).nothing_found
    # A double tap: the same key, nothing new and no error.
    again = c.post(url, {"version": 1, "key": key}, follow=True)
    assert "已经上报" not in again.content.decode()
    assert ScreeningEvent.objects.filter(action="filed").count() == 1


def test_the_disputes_form_adds_rows_and_explains_errors_in_chinese(
    tree: Any, people: Any, neighbours: DisputeType
) -> None:
    ret = ret_of(open_street(tree), tree.grid1)
    c = signed_in(people.worker)
    url = reverse("mediation:screening_return", args=[ret.pk])
    page = c.get(url)
    assert page.status_code == 200 and len(page.context["formset"].forms) == 1
    base = {"version": 1, "key": "k", "d-TOTAL_FORMS": 1, "d-INITIAL_FORMS": 0}
    added = c.post(url, {**base, "add": "1", "d-0-title": "漏水"})
    assert len(added.context["formset"].forms) == 2
    assert "请填写当事人姓名" not in added.content.decode()  # adding a row shows no errors
    empty = c.post(url, {**base, "d-0-title": "漏水", "d-0-risk": "green"})
    assert empty.status_code == 400
    text = empty.content.decode()
    assert "请选择纠纷类型" in text and "请填写当事人姓名" in text
    assert ScreeningReturn.objects.get(pk=ret.pk).filed_at is None


@needs_register
def test_the_disputes_form_files_the_return(
    tree: Any, people: Any, neighbours: DisputeType
) -> None:
    ret = ret_of(open_street(tree), tree.grid1)
    c = signed_in(people.worker)
    url = reverse("mediation:screening_return", args=[ret.pk])
    data = {
        "version": 1,
        "key": "k",
        "d-TOTAL_FORMS": 1,
        "d-INITIAL_FORMS": 0,
        "d-0-type": neighbours.pk,
        "d-0-title": "楼上漏水",
        "d-0-party_name": "张三",
        "d-0-party_phone": "13800138000",
        "d-0-risk": "yellow",
    }
    done = c.post(url, data)
    assert done.status_code == 302
    assert Dispute.objects.get(screening_return=ret).title == "楼上漏水"
    shown = c.get(url)
    assert "楼上漏水" in shown.content.decode()
    coverage = signed_in(people.staff).get(
        reverse("mediation:screening_round", args=[ret.round_id])
    )
    assert [d.title for d in coverage.context["disputes"]] == ["楼上漏水"]
    assert coverage.context["cov"].total.disputes == 1


def test_coverage_pages_for_community_and_street(tree: Any, people: Any) -> None:
    round_ = open_street(tree)
    nothing(people.worker, ret_of(round_, tree.grid1))
    for user in (people.staff, people.dispatcher):
        c = signed_in(user)
        listing = c.get(reverse("mediation:screening_rounds"))
        assert listing.status_code == 200 and round_.title in listing.content.decode()
        page = c.get(reverse("mediation:screening_round", args=[round_.pk]))
        assert page.status_code == 200
        assert page.context["cov"].total.filed == 1
        assert "网格二" in page.content.decode()  # still to file
    assert (
        signed_in(people.worker3)
        .get(reverse("mediation:screening_round", args=[round_.pk]))
        .status_code
        == 404
    )


def test_plans_page_sets_a_schedule_and_opens_a_round(tree: Any, people: Any) -> None:
    c = signed_in(people.dispatcher)
    page = c.get(reverse("mediation:screening_plans"))
    assert page.status_code == 200 and "凤鸣社区" in page.content.decode()
    prefix = f"a{tree.community.pk}"
    c.post(
        reverse("mediation:screening_plan_set", args=[tree.community.pk]),
        {f"{prefix}-period": "monthly", f"{prefix}-active": "on"},
    )
    plan = ScreeningPlan.objects.get(area=tree.community)
    assert plan.period == "monthly" and plan.active
    opened = c.post(reverse("mediation:screening_round_open", args=[tree.community.pk]))
    assert opened.status_code == 302
    assert ScreeningRound.objects.get(area=tree.community).period == "monthly"
    assert signed_in(people.staff).get(reverse("mediation:screening_plans")).status_code == 403
    outside = c.post(reverse("mediation:screening_plan_set", args=[tree.village.pk]), {})
    assert outside.status_code == 404


def test_a_sensitive_dispute_found_is_counted_but_not_shown_to_the_grid_worker(
    tree: Any, people: Any, make_user: Any
) -> None:
    family = DisputeType.objects.update_or_create(
        code="family", defaults={"name": "婚姻家庭纠纷", "sensitive": True}
    )[0]
    ret = ret_of(open_street(tree), tree.grid1)
    services.screening_return_file(
        actor=people.worker,
        screening_return=ret,
        version=1,
        nothing_found=False,
        disputes=[DisputeIn(type=family, title="夫妻争吵", party_name="王五")],
    )
    dispute = Dispute.objects.get(screening_return=ret)
    assert dispute.sensitive
    page = signed_in(people.worker).get(reverse("mediation:screening_return", args=[ret.pk]))
    text = page.content.decode()
    assert "夫妻争吵" not in text and page.context["hidden"] == 1
    assert page.context["total"] == 1
    staff = signed_in(people.staff).get(reverse("mediation:screening_round", args=[ret.round_id]))
    assert staff.context["cov"].total.disputes == 1 and staff.context["disputes"] == []
    mediator = make_user("med", (Role.MEDIATOR, tree.street))
    seen = signed_in(mediator).get(reverse("mediation:screening_round", args=[ret.round_id]))
    assert [d.title for d in seen.context["disputes"]] == ["夫妻争吵"]


def test_moving_a_community_takes_its_plan_and_returns_along(tree: Any, people: Any) -> None:
    from gridgov.areas.services import area_move

    services.screening_plan_set(actor=None, area=tree.community, period="weekly")
    round_ = services.screening_round_open(
        actor=None, area=tree.community, period="weekly", starts_on=MONDAY
    )
    area_move(actor=None, area=tree.community, new_parent=tree.town, new_code="640110100202")
    tree.community.refresh_from_db()
    assert ScreeningPlan.objects.get(area=tree.community).area_path == tree.community.path
    paths = set(ScreeningReturn.objects.filter(round=round_).values_list("area_path", flat=True))
    assert all(p.startswith(tree.community.path) for p in paths) and len(paths) == 2
    # The old street's dispatcher no longer sees the round; the county's still does.
    assert selectors.round_get(people.county, round_.pk) == round_
    with pytest.raises(NotFound):
        selectors.round_get(people.dispatcher, round_.pk)
