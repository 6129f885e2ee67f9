"""The numbers of mediation: the "disputes" counters move on every transition path and the
rebuild gives the same figures; the indicators per area and per mediator; the 台账 export.

The disputes are moved here as the flow's workflow moves them — the row changed, a
``DisputeEvent`` appended, :func:`counting.on_event` (or ``on_events`` for the sweep) called in
the same transaction — so the counting is tested on its own contract."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from itertools import count as counter
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from gridgov.kernel.counters import readers
from gridgov.kernel.counters.models import FlowCount, StockCount
from gridgov.mediation.choices import Outcome, Performance, Risk, Source, Status
from gridgov.mediation.models import Dispute, DisputeEvent, DisputeParty, DisputeType, Mediator
from gridgov.mediation.numbers import counting

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 3, 2)
AT = datetime(2026, 3, 2, 10, 0, tzinfo=SH)
_numbers = counter(1)


# --- Builders: a dispute moved the way the workflow moves it -----------------------------------


def dtype() -> DisputeType:
    return DisputeType.objects.get_or_create(code="neighbour", defaults={"name": "邻里纠纷"})[0]


def record(d: Dispute, action: str, to: str, at: datetime, **data: Any) -> DisputeEvent:
    e = DisputeEvent(
        dispute=d,
        at=at,
        action=action,
        actor_name="test",
        from_status="" if action == "register" else str(d.status),
        to_status=to,
        data=data,
    )
    e.save()
    return e


def register(area: Any, *, at: datetime = AT, risk: str = Risk.GREEN, **fields: Any) -> Dispute:
    d = Dispute.objects.create(
        number=f"T{next(_numbers):06d}",
        type=dtype(),
        title="邻里漏水纠纷",
        risk=risk,
        source=fields.pop("source", Source.SCREENING),
        area=area,
        registered_at=at,
        due_at=fields.pop("due_at", at + timedelta(days=30)),
        **fields,
    )
    counting.on_event(d, record(d, "register", Status.REGISTERED, at))
    return d


def step(d: Dispute, action: str, to: str, *, at: datetime = AT, data: Any = None, **f: Any) -> Any:
    e = record(d, action, to, at, **(data or {}))
    d.status = to
    for name, value in f.items():
        setattr(d, name, value)
    d.save()
    counting.on_event(d, e)
    return e


def flows(area: Any, day: date = DAY) -> dict[str, int]:
    return {k: v for k, v in readers.flows_for("disputes", area, day, day).items() if v}


def stock(area: Any) -> dict[str, int]:
    return {k: v for k, v in readers.stock_for("disputes", area).items() if v}


def snapshot() -> tuple[set[Any], set[Any]]:
    f = set(
        FlowCount.objects.filter(kind="disputes")
        .exclude(value=0)
        .values_list("area_id", "day", "name", "value")
    )
    s = set(
        StockCount.objects.filter(kind="disputes")
        .exclude(value=0)
        .values_list("area_id", "key", "value")
    )
    return f, s


# --- Counting ----------------------------------------------------------------------------------


def test_the_kind_is_registered_with_its_flows_and_stock_keys() -> None:
    from gridgov.kernel.counters.registry import get

    kind = get("disputes")
    assert {"registered", "accepted", "resolved", "failed", "withdrawn", "closed"} <= set(
        kind.flows
    )
    assert {"performed", "closed_on_time"} <= set(kind.flows)
    assert {"open", "overdue", "high_risk_open", "status:registered"} <= set(kind.stock_keys)


def test_registering_counts_in_the_area_and_every_ancestor(tree: Any) -> None:
    register(tree.grid1)
    for area in (tree.grid1, tree.community, tree.street, tree.county, tree.province):
        assert flows(area) == {"registered": 1}
        assert stock(area) == {"open": 1, "status:registered": 1}
    assert flows(tree.grid2) == {} and stock(tree.village) == {}


def test_accept_moves_the_status_and_counts_accepted(tree: Any) -> None:
    d = register(tree.grid1)
    step(d, "accept", Status.ACCEPTED)
    assert flows(tree.community) == {"registered": 1, "accepted": 1}
    assert stock(tree.community) == {"open": 1, "status:accepted": 1}


@pytest.mark.parametrize(
    ("outcome", "to", "flow"),
    [
        (Outcome.AGREEMENT, Status.AGREED, "resolved"),
        (Outcome.NO_AGREEMENT, Status.FAILED, "failed"),
        (Outcome.WITHDRAWN, Status.WITHDRAWN, "withdrawn"),
    ],
)
def test_each_outcome_counts_its_flow(tree: Any, outcome: str, to: str, flow: str) -> None:
    d = register(tree.grid1)
    step(d, "accept", Status.ACCEPTED)
    step(d, "assign", Status.ASSIGNED)
    step(d, "session", Status.MEDIATING)
    step(d, "outcome", to, data={"outcome": outcome}, outcome=outcome, outcome_at=AT)
    assert flows(tree.street)[flow] == 1
    expected_open = 1 if to == Status.AGREED else 0  # an agreement still awaits its follow-up
    assert stock(tree.street).get("open", 0) == expected_open
    assert stock(tree.street)[f"status:{to}"] == 1


def test_referring_elsewhere_counts_referred_and_leaves_the_open_stock(tree: Any) -> None:
    d = register(tree.grid1)
    step(d, "refer", Status.REFERRED, referred_to="litigation")
    assert flows(tree.grid1) == {"registered": 1, "referred": 1}
    assert stock(tree.grid1) == {"status:referred": 1}


def test_a_full_performance_counts_once_and_close_on_time(tree: Any) -> None:
    d = register(tree.grid1)
    step(d, "accept", Status.ACCEPTED)
    step(d, "outcome", Status.AGREED, outcome=Outcome.AGREEMENT, outcome_at=AT)
    step(d, "follow_up", Status.AGREED, data={"performance": Performance.PARTIAL})
    step(d, "follow_up", Status.AGREED, data={"performance": Performance.FULL})
    step(d, "follow_up", Status.AGREED, data={"performance": Performance.FULL})
    step(d, "close", Status.CLOSED, closed_at=AT)
    f = flows(tree.county)
    assert f["performed"] == 1
    assert f["closed"] == 1 and f["closed_on_time"] == 1
    assert stock(tree.county) == {"status:closed": 1}


def test_an_outcome_after_the_deadline_closes_late(tree: Any) -> None:
    d = register(tree.grid1, due_at=AT + timedelta(days=1))
    step(d, "accept", Status.ACCEPTED)
    late = AT + timedelta(days=5)
    step(d, "outcome", Status.FAILED, at=late, outcome=Outcome.NO_AGREEMENT, outcome_at=late)
    step(d, "close", Status.CLOSED, at=late)
    f = flows(tree.community, late.date())
    assert f["closed"] == 1 and "closed_on_time" not in f


def test_the_overdue_sweep_and_a_risk_change_move_the_stock(tree: Any) -> None:
    a = register(tree.grid1, risk=Risk.RED)
    b = register(tree.grid2)
    assert stock(tree.community)["high_risk_open"] == 1
    # the sweep: both flagged overdue in one batch (on_events)
    pairs = []
    for d in (a, b):
        e = record(d, "overdue", str(d.status), AT)
        d.overdue = True
        d.save()
        pairs.append((d, e))
    counting.on_events(pairs)
    assert stock(tree.community)["overdue"] == 2
    assert stock(tree.grid1)["overdue"] == 1
    step(a, "set_risk", Status.REGISTERED, risk=Risk.YELLOW)
    assert "high_risk_open" not in stock(tree.community)
    step(b, "close", Status.CLOSED, overdue=False)
    assert stock(tree.community)["overdue"] == 1


def test_a_neutral_entry_changes_nothing(tree: Any) -> None:
    d = register(tree.grid1)
    before = snapshot()
    step(d, "urge", Status.REGISTERED)
    assert snapshot() == before


def test_rebuild_counters_gives_the_same_figures(tree: Any) -> None:
    d1 = register(tree.grid1, risk=Risk.RED)
    d2 = register(tree.grid3, at=AT - timedelta(days=3))
    step(d2, "accept", Status.ACCEPTED)
    step(d2, "outcome", Status.AGREED, outcome=Outcome.AGREEMENT, outcome_at=AT)
    step(d2, "follow_up", Status.AGREED, data={"performance": Performance.FULL})
    step(d2, "follow_up", Status.AGREED, data={"performance": Performance.FULL})
    step(d2, "close", Status.CLOSED, at=AT + timedelta(days=1))
    d3 = register(tree.grid2)
    step(d3, "refer", Status.REFERRED)
    e = record(d1, "overdue", str(d1.status), AT)
    d1.overdue = True
    d1.save()
    counting.on_event(d1, e)
    live = snapshot()
    assert live[0] and live[1]
    FlowCount.objects.filter(kind="disputes").update(value=99)
    StockCount.objects.filter(kind="disputes").delete()
    call_command("rebuild_counters", kind="disputes", stdout=io.StringIO())
    assert snapshot() == live


def test_rebuild_of_some_days_keeps_the_others(tree: Any) -> None:
    register(tree.grid1, at=AT - timedelta(days=10))
    register(tree.grid1)
    live = snapshot()
    FlowCount.objects.filter(kind="disputes", day=DAY).delete()
    call_command(
        "rebuild_counters", kind="disputes", date_from=DAY, date_to=DAY, stdout=io.StringIO()
    )
    assert snapshot() == live


def _mediator(area: Any, name: str = "马建才") -> Mediator:
    return Mediator.objects.create(name=name, area=area)


def _party(d: Dispute, name: str, id_number: str = "", phone: str = "") -> DisputeParty:
    from gridgov.core import pii

    fields: dict[str, Any] = {}
    if id_number:
        fields.update(pii.protect(id_number, pii.Kind.ID_NUMBER))
    if phone:
        fields.update(pii.protect(phone, pii.Kind.PHONE))
    return DisputeParty.objects.create(dispute=d, name=name, **fields)


# --- Indicators --------------------------------------------------------------------------------


def _history(tree: Any) -> dict[str, Dispute]:
    """Four disputes in the community (agreed and performed, failed, open red, withdrawn) and
    one in the village."""
    m1, m2 = _mediator(tree.community), _mediator(tree.community, "石榴籽")
    a = register(tree.grid1)
    step(a, "accept", Status.ACCEPTED, accepted_at=AT)
    step(a, "assign", Status.ASSIGNED, mediator=m1, assigned_at=AT)
    step(a, "outcome", Status.AGREED, outcome=Outcome.AGREEMENT, outcome_at=AT)
    step(a, "follow_up", Status.AGREED, data={"performance": "full"}, performance="full")
    step(a, "close", Status.CLOSED, closed_at=AT)
    b = register(tree.grid2)
    step(b, "accept", Status.ACCEPTED, accepted_at=AT)
    step(b, "assign", Status.ASSIGNED, mediator=m1, assigned_at=AT)
    step(b, "outcome", Status.FAILED, outcome=Outcome.NO_AGREEMENT, outcome_at=AT)
    c = register(tree.grid1, risk=Risk.RED)
    step(c, "accept", Status.ACCEPTED, accepted_at=AT)
    step(c, "assign", Status.ASSIGNED, mediator=m2, assigned_at=AT)
    w = register(tree.grid2)
    step(w, "outcome", Status.WITHDRAWN, outcome=Outcome.WITHDRAWN, outcome_at=AT)
    v = register(tree.grid3)
    return {"agreed": a, "failed": b, "red": c, "withdrawn": w, "village": v}


def test_indicators_of_an_area_come_from_the_counters(tree: Any, make_user: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gridgov.mediation.numbers import selectors

    _history(tree)
    staff = make_user("s", ("dispatcher", tree.county))
    with CaptureQueriesContext(connection) as ctx:
        result = selectors.indicators_for(actor=staff, area=tree.street, date_from=DAY, date_to=DAY)
    assert not any("mediation_dispute" in q["sql"] for q in ctx.captured_queries)
    c, r, s = result["counts"], result["rates"], result["stock"]
    assert (c["registered"], c["accepted"], c["resolved"], c["failed"]) == (4, 3, 1, 1)
    assert (c["withdrawn"], c["closed"], c["performed"], c["closed_on_time"]) == (1, 1, 1, 1)
    assert r["resolution_rate"] == 0.5 and r["performed_rate"] == 1.0 and r["on_time_rate"] == 1.0
    assert r["accept_rate"] == 0.75
    assert (s["open"], s["high_risk_open"], s["by_status"]["assigned"]) == (1, 1, 1)


def test_children_and_mediators(tree: Any, make_user: Any) -> None:
    from gridgov.mediation.numbers import selectors

    _history(tree)
    staff = make_user("s", ("dispatcher", tree.county))
    rows = selectors.children_for(actor=staff, area=tree.county, date_from=DAY, date_to=DAY)
    by_name = {row["name"]: row for row in rows}
    assert by_name["凤鸣街道"]["counts"]["registered"] == 4
    assert by_name["金沙镇"]["counts"]["registered"] == 1
    assert by_name["金沙镇"]["stock"]["open"] == 1
    people = selectors.mediators_for(actor=staff, area=tree.county, date_from=DAY, date_to=DAY)
    assert [p["name"] for p in people] == ["马建才", "石榴籽"]
    first = people[0]["counts"]
    assert (first["assigned"], first["resolved"], first["failed"], first["performed"]) == (
        2,
        1,
        1,
        1,
    )
    assert people[0]["rates"]["resolution_rate"] == 0.5
    assert people[1]["counts"]["high_risk_open"] == 1


def test_numbers_need_statistics_and_mediation_rights_at_the_area(
    tree: Any, make_user: Any
) -> None:
    from gridgov.core.errors import NotFound
    from gridgov.mediation.numbers import selectors

    worker = make_user("w", ("grid_worker", tree.grid1))  # mediation.view, no stats.view
    staff = make_user("c", ("community_staff", tree.community))
    for actor, area in ((worker, tree.grid1), (staff, tree.village), (staff, tree.street)):
        with pytest.raises(NotFound):
            selectors.indicators_for(actor=actor, area=area, date_from=DAY, date_to=DAY)
    assert selectors.numbers_area_get(actor=staff, pk=None) == tree.community


# --- The register export -----------------------------------------------------------------------


def _open_sheet(data: bytes) -> Any:
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(data)).active


def test_the_register_opens_with_the_official_layout(tree: Any, make_user: Any) -> None:
    from gridgov.audit.models import AuditEntry
    from gridgov.mediation.numbers import export

    disputes = _history(tree)
    _party(disputes["agreed"], "张三丰", "110101199003071234", "13812345678")
    _party(disputes["agreed"], "李四")
    staff = make_user("s", ("dispatcher", tree.county))
    data = export.export_register(actor=staff, area=tree.street, date_from=DAY, date_to=DAY)
    ws = _open_sheet(data)
    assert ws["A1"].value == "矛盾纠纷排查化解台账"
    assert "A1:N1" in {str(r) for r in ws.merged_cells.ranges}
    assert "A2:N2" in {str(r) for r in ws.merged_cells.ranges}
    assert "凤鸣街道" in ws["A2"].value
    assert [c.value for c in ws[3]] == list(export.HEADERS)
    assert ws.freeze_panes == "A4"
    assert ws.column_dimensions["F"].width == 40
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    assert len(rows) == 4  # the street's four, not the village's
    first = rows[0]
    assert first[0] == 1 and first[1] == disputes["agreed"].number
    assert first[4] == "张**（申请人）；李*（申请人）"
    assert "1381234" not in (first[4] or "")
    assert (first[10], first[11], first[13]) == ("调解成功", "已履行", "是")
    assert {r[10] for r in rows} >= {"调解不成", "当事人撤回", "调解中"}
    entry = AuditEntry.objects.filter(detail__kind="mediation_register").get()
    assert entry.detail["count"] == 4 and entry.detail["unmasked"] is False


def test_an_unmasked_register_needs_the_unmask_right_and_a_reason(
    tree: Any, make_user: Any
) -> None:
    from gridgov.core.errors import PermissionDenied, ValidationFailed
    from gridgov.mediation.numbers import export

    disputes = _history(tree)
    _party(disputes["agreed"], "张三丰")
    dispatcher = make_user("d", ("dispatcher", tree.county))  # no roster.unmask
    with pytest.raises(PermissionDenied):
        export.export_register(
            actor=dispatcher,
            area=tree.street,
            date_from=DAY,
            date_to=DAY,
            unmasked=True,
            reason="司法所核对",
        )
    staff = make_user("c", ("community_staff", tree.community))
    with pytest.raises(ValidationFailed):
        export.export_register(
            actor=staff, area=tree.community, date_from=DAY, date_to=DAY, unmasked=True
        )
    data = export.export_register(
        actor=staff,
        area=tree.community,
        date_from=DAY,
        date_to=DAY,
        unmasked=True,
        reason="司法所核对台账",
    )
    ws = _open_sheet(data)
    assert ws.cell(row=4, column=5).value == "张三丰（申请人）"


def test_sensitive_disputes_stay_out_of_a_register_without_the_right(
    tree: Any, make_user: Any
) -> None:
    from gridgov.mediation.numbers import export

    register(tree.grid1, sensitive=True)
    register(tree.grid1)
    staff = make_user("c", ("community_staff", tree.community))  # no mediation.sensitive
    dispatcher = make_user("d", ("dispatcher", tree.county))
    mine = _open_sheet(
        export.export_register(actor=staff, area=tree.community, date_from=DAY, date_to=DAY)
    )
    theirs = _open_sheet(
        export.export_register(actor=dispatcher, area=tree.community, date_from=DAY, date_to=DAY)
    )
    assert mine.max_row == 4 and theirs.max_row == 5


# --- Web page and API ---------------------------------------------------------------------------


def _custom(area: Any) -> str:
    return f"?area={area.pk}&period=custom&date_from={DAY}&date_to={DAY}"


def test_the_page_shows_the_figures_children_and_mediators(tree: Any, make_user: Any) -> None:
    from django.test import Client
    from django.urls import reverse

    _history(tree)
    client = Client()
    client.force_login(make_user("s", ("community_staff", tree.community)))
    response = client.get(reverse("mediation:numbers") + _custom(tree.community))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-kpi="resolution_rate"' in html and "50.0%" in html
    assert 'id="gg-numbers-children"' in html and "网格一" in html
    assert "马建才" in html and "石榴籽" in html
    assert reverse("mediation:numbers_export") in html
    worker = Client()
    worker.force_login(make_user("w", ("grid_worker", tree.grid1)))
    assert worker.get(reverse("mediation:numbers")).status_code == 403


def test_the_register_downloads_from_the_page(tree: Any, make_user: Any) -> None:
    from django.test import Client
    from django.urls import reverse

    _history(tree)
    client = Client()
    client.force_login(make_user("s", ("community_staff", tree.community)))
    url = reverse("mediation:numbers_export") + _custom(tree.community)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert _open_sheet(response.content)["A1"].value == "矛盾纠纷排查化解台账"
    refused = client.post(url, {"unmask": "on", "reason": ""})
    assert refused.status_code == 400
    assert "reason" in refused.content.decode().lower() or "原因" in refused.content.decode()


def test_the_api_answers_the_same_figures(tree: Any, make_user: Any) -> None:
    from django.test import Client

    _history(tree)
    client = Client()
    client.force_login(make_user("d", ("dispatcher", tree.county)))
    q = f"?area={tree.street.pk}&from={DAY}&to={DAY}"
    body = client.get("/api/v1/mediation/stats/indicators" + q).json()
    assert body["counts"]["registered"] == 4 and body["rates"]["resolution_rate"] == 0.5
    assert body["stock"]["high_risk_open"] == 1
    rows = client.get("/api/v1/mediation/stats/breakdown" + q).json()["items"]
    assert [r["area"]["name"] for r in rows] == ["凤鸣社区"]
    people = client.get("/api/v1/mediation/stats/mediators" + q).json()["items"]
    assert people[0]["name"] == "马建才" and people[0]["counts"]["performed"] == 1
    outside = client.get(f"/api/v1/mediation/stats/indicators?area={tree.province.pk}")
    assert outside.status_code == 404 and outside.json()["code"]


# --- Through the flow's services (the real workflow hooks) --------------------------------------


def test_the_services_move_the_counters_and_the_rebuild_agrees(tree: Any, make_user: Any) -> None:
    from django.utils import timezone

    from gridgov.mediation.disputes import services as svc
    from gridgov.mediation.disputes.sweep import sweep
    from gridgov.mediation.tests import dispute_builders as builders

    worker = make_user("gw", ("grid_worker", tree.grid1))
    staff = make_user("cs", ("community_staff", tree.community))
    med_user = make_user("med", ("mediator", tree.community))
    m = builders.mediator(tree.community, med_user)
    today = counting.local_day(timezone.now())

    def now_flows() -> dict[str, int]:
        return flows(tree.community, today)

    d = builders.register(
        tree.grid1,
        actor=worker,
        risk="red",
        risk_reasons="可能引发群体事件",
        now=timezone.now() - timedelta(minutes=30),
    )
    assert now_flows() == {"registered": 1}
    assert stock(tree.street) == {"open": 1, "high_risk_open": 1, "status:registered": 1}
    svc.dispute_accept(actor=staff, dispute=d, version=d.version)
    svc.dispute_assign(actor=staff, dispute=d, version=d.version, mediator=m)
    svc.dispute_session_add(
        actor=med_user, dispute=d, version=d.version, held_at=timezone.now() - timedelta(minutes=5)
    )
    assert stock(tree.community)["status:mediating"] == 1
    svc.dispute_outcome(actor=med_user, dispute=d, version=d.version, outcome="agreement")
    svc.dispute_follow_up(
        actor=med_user, dispute=d, version=d.version, visited_at=timezone.now(), performance="full"
    )
    svc.dispute_close(actor=med_user, dispute=d, version=d.version)
    f = now_flows()
    assert (f["accepted"], f["resolved"], f["performed"], f["closed"], f["closed_on_time"]) == (
        1,
        1,
        1,
        1,
        1,
    )
    assert stock(tree.community) == {"status:closed": 1}

    late = builders.register(tree.grid2, actor=staff)
    svc.dispute_accept(actor=staff, dispute=late, version=late.version)
    late.refresh_from_db()
    assert sweep(now=late.due_at + timedelta(minutes=1)).overdue == 1
    assert stock(tree.community)["overdue"] == 1
    refused = builders.register(tree.grid2, actor=staff)
    svc.dispute_refer(
        actor=staff,
        dispute=refused,
        version=refused.version,
        referred_to="litigation",
        referred_body="凤城区人民法院",
        reason="已起诉",
    )
    assert now_flows()["referred"] == 1
    live = snapshot()
    FlowCount.objects.filter(kind="disputes").delete()
    StockCount.objects.filter(kind="disputes").update(value=7)
    call_command("rebuild_counters", kind="disputes", stdout=io.StringIO())
    assert snapshot() == live
