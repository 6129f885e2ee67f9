"""Typed-in personal data in cases: masked for every role on pages, in the API and in
notifications; clear only through the audited unmask (reason required); the reporter's public
timeline (no staff names, no internal notes)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from gridgov.accounts.services import token_issue
from gridgov.audit.models import AuditEntry, Event
from gridgov.cases.models import Case
from gridgov.cases.public import public_timeline
from gridgov.cases.services import lifecycle as lc
from gridgov.cases.services.intake import case_report
from gridgov.cases.states import Source
from gridgov.cases.tests import core_builders
from gridgov.cases.tests.core_builders import category
from gridgov.notifications.models import Notification

people = core_builders.people  # the fixture

PHONE, PHONE_MASKED = "13912345678", "139****5678"
ID, ID_MASKED = "11010519491231002X", "1***************2X"
NOTE_PHONE = "13700001111"
REPLY_PHONE = "13600002222"
INTERNAL = "内部备注：请张科长亲自跟进"
SECRETS = (PHONE, ID, NOTE_PHONE, REPLY_PHONE)
API = "/api/v1/cases"
STAFF = ("dispatcher", "county", "community", "worker", "handler", "leader", "admin")


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def case(tree: Any, people: Any) -> Case:
    """A resident's report with a phone and an ID number typed in, handled by the department
    up to the reply, with an internal note carrying another phone number."""
    c = case_report(
        actor=people.resident,
        source=Source.RESIDENT,
        category=category(),
        title=f"噪音扰民 联系{PHONE}",
        description=f"楼上装修噪音，我的电话{PHONE}，身份证{ID}。",
        address=f"凤鸣路1号 {PHONE}",
        area=tree.grid1,
        reporter_name="李居民",
        reporter_phone="13800138000",
    ).case
    c = lc.case_accept(actor=people.dispatcher, case=c, version=c.version)
    c = lc.case_dispatch(
        actor=people.dispatcher, case=c, version=c.version, to_department=people.dept
    )
    c = lc.case_sign(actor=people.handler, case=c, version=c.version)
    lc.case_comment(actor=people.handler, case=c, note=f"{INTERNAL}，电话{NOTE_PHONE}")
    c = Case.objects.get(pk=c.pk)
    return lc.case_reply(
        actor=people.handler, case=c, version=c.version, reply=f"已处理，如有问题请拨{REPLY_PHONE}"
    )


def web(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(method: str, url: str, user: Any, body: Any = None) -> Any:
    _token, raw = token_issue(user=user)
    kw: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    if body is not None:
        kw.update(data=json.dumps(body), content_type="application/json")
    return getattr(Client(), method)(url, **kw)


def assert_masked(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
    assert PHONE_MASKED in text


# --- masked for every role -------------------------------------------------------------------


@pytest.mark.parametrize("role", [*STAFF, "resident"])
def test_detail_page_masks_typed_in_numbers_for_every_role(case: Case, people: Any, role: str):
    r = web(getattr(people, role)).get(reverse("cases:detail", args=[case.pk]))
    assert r.status_code == 200
    html = r.content.decode()
    assert_masked(html)
    if role != "resident":
        assert ID_MASKED in html  # the description, masked, is there


@pytest.mark.parametrize("role", STAFF)
def test_list_pages_mask_titles(case: Case, people: Any, role: str):
    for url in (reverse("cases:list"), reverse("cases:queues")):
        html = web(getattr(people, role)).get(url).content.decode()
        assert PHONE not in html


@pytest.mark.parametrize("role", [*STAFF, "resident"])
def test_api_masks_typed_in_numbers_for_every_role(case: Case, people: Any, role: str):
    user = getattr(people, role)
    bodies = [
        api("get", f"{API}/", user),
        api("get", f"{API}/{case.pk}", user),
        api("get", f"{API}/{case.pk}/timeline", user),
    ]
    assert all(b.status_code == 200 for b in bodies)
    text = "".join(b.content.decode("unicode_escape") for b in bodies)
    assert_masked(text)


def test_notifications_mask_typed_in_numbers(case: Case, people: Any):
    c = lc.case_verify(actor=people.dispatcher, case=case, version=case.version, passed=True)
    assert c.status == "closed"
    texts = list(Notification.objects.values_list("title", "body"))
    assert texts, "the loop notified people"
    for title, body in texts:
        for secret in SECRETS:
            assert secret not in title and secret not in body
    to_reporter = Notification.objects.filter(recipient=people.resident, kind="case.closed").get()
    assert "136****2222" in to_reporter.body


def test_the_stored_text_stays_as_typed(case: Case):
    stored = Case.objects.get(pk=case.pk)
    assert PHONE in stored.description and ID in stored.description


# --- unmask: reason required, audited --------------------------------------------------------


def test_community_staff_unmask_with_a_reason(case: Case, people: Any):
    client = web(people.community)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-testid="case-unmask"' in page
    r = client.post(reverse("cases:unmask", args=[case.pk]), {"reason": "回访核实"})
    assert r.status_code == 200
    html = r.content.decode()
    assert PHONE in html and ID in html and NOTE_PHONE in html and "13800138000" in html
    assert "no-cache" in r["Cache-Control"] or "max-age=0" in r["Cache-Control"]
    entry = AuditEntry.objects.get(event=Event.PERSONAL_DATA_VIEWED)
    assert entry.actor == people.community and entry.target_id == str(case.pk)
    assert entry.detail == {"fields": ["text", "reporter"], "reason": "回访核实"}
    assert PHONE not in json.dumps(entry.detail, ensure_ascii=False)
    # The next view is masked again.
    assert PHONE not in client.get(reverse("cases:detail", args=[case.pk])).content.decode()


def test_unmask_without_a_reason_shows_a_field_error(case: Case, people: Any):
    r = web(people.community).post(reverse("cases:unmask", args=[case.pk]), {"reason": "  "})
    assert r.status_code == 400
    html = r.content.decode()
    assert "请填写查看明文信息的事由。" in html and PHONE not in html
    assert not AuditEntry.objects.filter(event=Event.PERSONAL_DATA_VIEWED).exists()


@pytest.mark.parametrize("role", ["dispatcher", "handler", "worker", "resident"])
def test_unmask_is_refused_without_the_permission(case: Case, people: Any, role: str):
    client = web(getattr(people, role))
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-testid="case-unmask"' not in page
    r = client.post(reverse("cases:unmask", args=[case.pk]), {"reason": "想看看"})
    assert r.status_code == 403
    assert PHONE not in r.content.decode()
    assert not AuditEntry.objects.filter(event=Event.PERSONAL_DATA_VIEWED).exists()
    if role != "resident":
        assert AuditEntry.objects.filter(event=Event.PERMISSION_DENIED).exists()


def test_api_unmask(case: Case, people: Any):
    url = f"{API}/{case.pk}/unmask"
    missing = api("post", url, people.community, {"reason": ""})
    assert missing.status_code == 400 and missing.json()["code"] == "reason_required"
    assert api("post", url, people.dispatcher, {"reason": "核实"}).status_code == 403
    ok = api("post", url, people.community, {"reason": "核实"})
    assert ok.status_code == 200
    body = ok.json()
    assert PHONE in body["description"] and body["reporter_phone"] == "13800138000"
    assert any(NOTE_PHONE in e["note"] for e in body["events"])
    assert AuditEntry.objects.filter(event=Event.PERSONAL_DATA_VIEWED).count() == 1


def test_unmask_outside_the_jurisdiction_is_not_found(case: Case, tree: Any, make_user: Any):
    other = make_user("other_comm", ("community_staff", tree.village))
    r = web(other).post(reverse("cases:unmask", args=[case.pk]), {"reason": "核实"})
    assert r.status_code == 404


# --- the reporter's public timeline ----------------------------------------------------------


def _staff_names(people: Any) -> list[str]:
    return [people.dispatcher.username, people.handler.username, "disp", "cg"]


def test_public_timeline_has_states_units_and_the_reply(case: Case, people: Any):
    rows = public_timeline(case)
    actions = [r.action for r in rows]
    assert actions == ["report", "accept", "dispatch", "sign", "reply"]  # no comment
    dispatch = rows[2]
    assert dispatch.unit == "凤城区城管执法局"
    assert rows[3].unit == "凤城区城管执法局"
    assert rows[-1].text == "已处理，如有问题请拨136****2222"
    assert all(INTERNAL not in r.text for r in rows)


def test_reporter_page_shows_the_public_timeline_only(case: Case, people: Any):
    html = web(people.resident).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-testid="public-timeline"' in html and 'data-testid="case-timeline"' not in html
    assert INTERNAL not in html and "凤城区城管执法局" in html
    for name in _staff_names(people):
        assert f">{name}<" not in html and f" {name} " not in html and f"· {name}" not in html


def test_receipt_and_api_show_the_public_timeline(case: Case, people: Any):
    html = Client().get(reverse("cases:receipt", args=[case.token])).content.decode()
    assert "凤城区城管执法局" in html and "136****2222" in html
    assert INTERNAL not in html and PHONE not in html
    events = api("get", f"{API}/{case.pk}/timeline", people.resident).json()
    assert [e["action"] for e in events] == ["report", "accept", "dispatch", "sign", "reply"]
    assert all(e["actor_name"] == "" for e in events)
    assert INTERNAL not in json.dumps(events, ensure_ascii=False)
    detail = api("get", f"{API}/{case.pk}", people.resident).json()
    assert detail["handler"] == "" and detail["reply"] == "已处理，如有问题请拨136****2222"


def test_rejection_reason_and_public_text_reach_the_reporter(tree: Any, people: Any):
    from gridgov.cases.services.timeline import record_event

    c = case_report(
        actor=people.resident,
        source=Source.RESIDENT,
        category=category(),
        title="路灯不亮",
        area=tree.grid1,
    ).case
    record_event(
        case=c,
        action="comment",
        actor=people.worker,
        from_status=c.status,
        note="网格员内部记录",
        data={"public": "网格员已到现场查看"},
    )
    c = Case.objects.get(pk=c.pk)
    lc.case_reject(actor=people.dispatcher, case=c, version=c.version, reason="重复上报")
    texts = [r.text for r in public_timeline(c)]
    assert "网格员已到现场查看" in texts and "重复上报" in texts
    assert "网格员内部记录" not in texts


def test_staff_see_system_actors_translated(case: Case, people: Any):
    from gridgov.cases.services.timeline import record_event

    record_event(case=case, action="overdue", actor=None, from_status=case.status)
    html = web(people.dispatcher).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "系统" in html and ">system<" not in html


def test_the_reporters_own_note_is_in_their_timeline(case: Case, people: Any):
    lc.case_comment(actor=people.resident, case=case, note=f"补充：晚上也可打{PHONE}")
    rows = public_timeline(case)
    assert rows[-1].action == "comment" and rows[-1].text == f"补充：晚上也可打{PHONE_MASKED}"
    assert all(INTERNAL not in r.text for r in rows)
