"""12345 round trip: an imported work order keeps the citizen as its reporter (the dispatcher
is the intake operator), and the handled orders go back as 办理结果回传."""

# The shared fixtures are imported from the builders; pytest injects them by name.
# ruff: noqa: F811

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from gridgov.audit.models import AuditEntry, Event
from gridgov.cases import selectors
from gridgov.cases.exports import hotline as results
from gridgov.cases.importers.hotline import import_hotline
from gridgov.cases.models import Case
from gridgov.cases.services import intake
from gridgov.cases.services.handling import case_reply, case_verify
from gridgov.cases.services.lifecycle import case_accept, case_dispatch, case_reject, case_sign
from gridgov.cases.states import Source, Status
from gridgov.cases.tests.core_builders import people  # noqa: F401
from gridgov.cases.tests.intake_builders import IN_GRID1, IN_GRID3, _media, cats  # noqa: F401
from gridgov.cases.tests.test_cases_hotline import row, xlsx
from gridgov.conftest import TEST_PASSWORD
from gridgov.core import crypto
from gridgov.core.errors import PermissionDenied, ValidationFailed
from gridgov.notifications.models import Notification

pytestmark = pytest.mark.django_db

PHONE_IN_REPLY = "13912345678"
ID_IN_REPLY = "640121199001011236"
REPORTER_KINDS = {"case.accepted", "case.rejected", "case.closed"}


def imported(actor: Any, *rows: list[Any]) -> list[Case]:
    result = import_hotline(actor=actor, data=xlsx(*rows), mode="all")
    assert result.ok, result.errors
    return [Case.objects.get(pk=c.pk) for c in result.created]


def close(case: Case, p: Any, reply: str) -> Case:
    """Accept (county dispatcher), dispatch to the department, sign, reply, verify."""
    case = case_accept(actor=p.county, case=case, version=case.version)
    case = case_dispatch(actor=p.county, case=case, version=case.version, to_department=p.dept)
    case = case_sign(actor=p.handler, case=case, version=case.version)
    case = case_reply(actor=p.handler, case=case, version=case.version, reply=reply)
    return case_verify(actor=p.county, case=case, version=case.version, passed=True)


def sheet(data: bytes) -> list[list[Any]]:
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    return [[c.value for c in r] for r in ws.iter_rows()]


def today_range() -> dict[str, date]:
    today = timezone.localdate()
    return {"date_from": today, "date_to": today}


# --- The citizen is the reporter --------------------------------------------------------------


def test_import_keeps_the_citizen_as_reporter_and_records_the_operator(
    cats: Any, people: Any
) -> None:
    (case,) = imported(people.dispatcher, row(1, 来电人="王女士", 联系电话="13900001111"))
    assert case.reporter_id is None
    assert case.intake_by_id == people.dispatcher.pk
    assert case.reporter_name == "王女士"
    assert case.reporter_phone_enc != "13900001111"  # encrypted at rest
    assert intake.reporter_phone(case) == "13900001111"
    assert intake.reporter_phone_masked(case) == crypto.mask_mobile("13900001111")


def test_the_dispatcher_gets_no_reporter_notices_of_an_import(cats: Any, people: Any) -> None:
    first, second = imported(people.dispatcher, row(1), row(2))
    close(first, people, "已清运")
    case_reject(actor=people.county, case=second, version=second.version, reason="重复工单")
    kinds = set(
        Notification.objects.filter(recipient=people.dispatcher).values_list("kind", flat=True)
    )
    assert not kinds & REPORTER_KINDS


def test_my_reports_is_empty_for_the_dispatcher_after_an_import(cats: Any, people: Any) -> None:
    imported(people.dispatcher, row(1), row(2))
    assert not selectors.my_reports(actor=people.dispatcher).exists()
    client = Client()
    client.login(username="disp", password=TEST_PASSWORD)
    page = client.get(reverse("cases:mine")).content.decode()
    assert "垃圾未清运1" not in page


def test_staff_entry_for_a_caller_records_the_operator(cats: Any, people: Any) -> None:
    result = intake.case_report(
        actor=people.community,
        source=Source.PHONE,
        category=cats.litter,
        title="楼道堆物",
        lon=IN_GRID1[0],
        lat=IN_GRID1[1],
        reporter_name="李先生",
    )
    assert (result.case.reporter_id, result.case.intake_by_id) == (None, people.community.pk)


def test_own_reports_keep_the_signed_in_reporter(cats: Any, people: Any) -> None:
    patrol = intake.case_report(
        actor=people.worker,
        source=Source.PATROL,
        category=cats.litter,
        title="巡查发现垃圾",
        lon=IN_GRID1[0],
        lat=IN_GRID1[1],
    ).case
    own = intake.case_report(
        actor=people.resident,
        source=Source.RESIDENT,
        category=cats.litter,
        title="门口垃圾",
        lon=IN_GRID1[0],
        lat=IN_GRID1[1],
    ).case
    assert (patrol.reporter_id, patrol.intake_by_id) == (people.worker.pk, None)
    assert (own.reporter_id, own.intake_by_id) == (people.resident.pk, None)
    assert list(selectors.my_reports(actor=people.worker)) == [patrol]


def test_detail_shows_the_masked_citizen_and_the_operator(cats: Any, people: Any) -> None:
    (case,) = imported(people.dispatcher, row(1, 来电人="王女士", 联系电话="13900001111"))
    client = Client()
    client.login(username="county", password=TEST_PASSWORD)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert crypto.mask_name("王女士") in page and "王女士" not in page
    assert crypto.mask_mobile("13900001111") in page and "13900001111" not in page
    assert 'data-testid="case-entered-by">disp<' in page


# --- 办理结果回传 ------------------------------------------------------------------------------


@pytest.fixture
def handled(cats: Any, people: Any) -> dict[str, Case]:
    """GD0001 closed with a reply naming a phone and an ID number, GD0002 rejected, GD0003
    still open (all in 凤鸣街道); GD0009 closed in 金沙镇 (outside the street's jurisdiction)."""
    one, two, three = imported(people.dispatcher, row(1), row(2), row(3))
    reply = f"已清运，联系人电话{PHONE_IN_REPLY}，身份证{ID_IN_REPLY}"
    one = close(one, people, reply)
    two = case_reject(actor=people.county, case=two, version=two.version, reason="非本辖区事项")
    (far,) = imported(people.county, row(9, 经度=IN_GRID3[0], 纬度=IN_GRID3[1]))
    far = close(far, people, "已处理")
    return {"closed": one, "rejected": two, "open": three, "far": far}


def test_export_has_the_hotline_columns_and_the_handled_orders(
    handled: dict[str, Case], people: Any
) -> None:
    export = results.export_results(actor=people.dispatcher, **today_range())
    rows = sheet(export.data)
    assert rows[0] == results.HEADERS
    by_id = {r[0]: dict(zip(results.HEADERS, r, strict=True)) for r in rows[1:]}
    assert set(by_id) == {"GD0001", "GD0002"}  # GD0003 is open, GD0009 outside
    closed = by_id["GD0001"]
    case = handled["closed"]
    assert closed["平台案件编号"] == case.number
    assert closed["办理结果"] == "办结"
    assert closed["办理单位"] == people.dept.name
    assert closed["来电时间"] == datetime(2025, 1, 5, 9, 30)
    assert closed["受理时间"] == timezone.localtime(case.accepted_at).replace(
        tzinfo=None, microsecond=0
    )
    assert closed["办结时间"] is not None and closed["派单时间"] is not None
    rejected = by_id["GD0002"]
    assert (rejected["办理结果"], rejected["答复内容"]) == ("不予受理", "非本辖区事项")
    assert export.count == 2


def test_export_masks_phone_and_id_numbers_in_replies(
    handled: dict[str, Case], people: Any
) -> None:
    data = results.export_results(actor=people.dispatcher, **today_range()).data
    text = repr(sheet(data))
    assert PHONE_IN_REPLY not in text and ID_IN_REPLY not in text
    assert crypto.mask_mobile(PHONE_IN_REPLY) in text
    assert "王女士" not in text and "13900000000" not in text  # no citizen contact at all


def test_unmasked_export_needs_the_unmask_permission_and_a_reason(
    handled: dict[str, Case], people: Any, make_user: Any, tree: Any
) -> None:
    with pytest.raises(PermissionDenied):
        results.export_results(
            actor=people.dispatcher, unmasked=True, reason="回传核对", **today_range()
        )
    both = make_user("both", ("dispatcher", tree.street), ("community_staff", tree.community))
    with pytest.raises(ValidationFailed):
        results.export_results(actor=both, unmasked=True, reason="", **today_range())
    data = results.export_results(
        actor=both, unmasked=True, reason="回传核对", **today_range()
    ).data
    assert PHONE_IN_REPLY in repr(sheet(data))
    entry = AuditEntry.objects.filter(event=Event.PERSONAL_DATA_EXPORTED, actor=both).get()
    assert entry.detail["unmasked"] is True and entry.detail["count"] == 2


def test_export_follows_the_viewers_jurisdiction(handled: dict[str, Case], people: Any) -> None:
    county = sheet(results.export_results(actor=people.county, **today_range()).data)
    town = sheet(results.export_results(actor=people.town, **today_range()).data)
    assert {r[0] for r in county[1:]} == {"GD0001", "GD0002", "GD0009"}
    assert {r[0] for r in town[1:]} == {"GD0009"}


def test_export_takes_the_day_the_order_ended(handled: dict[str, Case], people: Any) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)
    data = results.export_results(
        actor=people.dispatcher, date_from=yesterday, date_to=yesterday
    ).data
    assert sheet(data)[1:] == []


def test_export_refuses_bad_ranges_and_non_importers(handled: dict[str, Case], people: Any) -> None:
    today = timezone.localdate()
    with pytest.raises(ValidationFailed) as bad:
        results.export_results(
            actor=people.dispatcher, date_from=today, date_to=today - timedelta(days=1)
        )
    assert "date_to" in bad.value.fields
    with pytest.raises(ValidationFailed):
        results.export_results(
            actor=people.dispatcher, date_from=today - timedelta(days=400), date_to=today
        )
    with pytest.raises(PermissionDenied):
        results.export_results(actor=people.handler, **today_range())


def test_results_page_download_and_form_errors(handled: dict[str, Case], people: Any) -> None:
    client = Client()
    client.login(username="disp", password=TEST_PASSWORD)
    page = client.get(reverse("cases:import")).content.decode()
    assert 'data-testid="hotline-results"' in page
    today = timezone.localdate().isoformat()
    response = client.post(reverse("cases:import_results"), {"date_from": today, "date_to": today})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert {r[0] for r in sheet(response.content)[1:]} == {"GD0001", "GD0002"}
    bad = client.post(reverse("cases:import_results"), {"date_from": today, "date_to": ""})
    assert bad.status_code == 200 and "invalid-feedback" in bad.content.decode()
    assert bad["Content-Type"].startswith("text/html")


def test_results_api(handled: dict[str, Case], people: Any) -> None:
    client = Client()
    client.login(username="disp", password=TEST_PASSWORD)
    today = timezone.localdate().isoformat()
    url = "/api/v1/cases/import/hotline/results"
    ok = client.get(url, {"date_from": today, "date_to": today})
    assert ok.status_code == 200
    assert {r[0] for r in sheet(ok.content)[1:]} == {"GD0001", "GD0002"}
    missing = client.get(url, {"date_from": today})
    assert missing.status_code == 400 and "date_to" in missing.json()["fields"]
    assert Case.objects.filter(status=Status.CLOSED).count() == 2


def test_unmasked_export_from_the_page_needs_a_reason(
    handled: dict[str, Case], make_user: Any, tree: Any
) -> None:
    make_user("both", ("dispatcher", tree.street), ("community_staff", tree.community))
    client = Client()
    client.login(username="both", password=TEST_PASSWORD)
    assert 'name="unmask"' in client.get(reverse("cases:import")).content.decode()
    today = timezone.localdate().isoformat()
    form = {"date_from": today, "date_to": today, "unmask": "on"}
    refused = client.post(reverse("cases:import_results"), {**form, "reason": ""})
    assert refused["Content-Type"].startswith("text/html")
    assert "invalid-feedback" in refused.content.decode()
    done = client.post(reverse("cases:import_results"), {**form, "reason": "回传核对"})
    assert PHONE_IN_REPLY in repr(sheet(done.content))


def test_the_unmask_choice_is_not_offered_without_the_permission(
    handled: dict[str, Case], people: Any
) -> None:
    client = Client()
    client.login(username="disp", password=TEST_PASSWORD)
    assert 'name="unmask"' not in client.get(reverse("cases:import")).content.decode()


def test_a_merged_work_order_names_the_case_it_joined(cats: Any, people: Any) -> None:
    from gridgov.cases.services.lifecycle import case_merge

    survivor, duplicate = imported(people.dispatcher, row(1), row(2))
    case_merge(actor=people.county, case=duplicate, into=survivor, version=duplicate.version)
    rows = sheet(results.export_results(actor=people.dispatcher, **today_range()).data)
    (merged,) = [dict(zip(results.HEADERS, r, strict=True)) for r in rows[1:]]
    assert (merged["工单编号"], merged["办理结果"]) == ("GD0002", "并单")
    assert survivor.number in merged["答复内容"]


def test_the_backfill_moves_earlier_importers_out_of_the_reporter_field(
    cats: Any, people: Any
) -> None:
    """Imports made before 0007 had the dispatcher as reporter; 0008 moves them."""
    import importlib

    from django.apps import apps

    (case,) = imported(people.dispatcher, row(1))
    own = intake.case_report(
        actor=people.worker,
        source=Source.PATROL,
        category=cats.litter,
        title="巡查发现垃圾",
        lon=IN_GRID1[0],
        lat=IN_GRID1[1],
    ).case
    Case.objects.filter(pk=case.pk).update(reporter=people.dispatcher, intake_by=None)
    module = importlib.import_module("gridgov.cases.migrations.0008_intake_operator_backfill")
    module.forwards(apps, None)
    case.refresh_from_db()
    own.refresh_from_db()
    assert (case.reporter_id, case.intake_by_id) == (None, people.dispatcher.pk)
    assert (own.reporter_id, own.intake_by_id) == (people.worker.pk, None)
