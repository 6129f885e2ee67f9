"""The dispute pages through Django's test client on a real database: register (with parties
added in place), list and filters, detail with its action forms, the high-risk board and
"my disputes"; wrong-state and stale actions leave a Chinese message and change nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gridgov.mediation.disputes.services import PartyIn, dispute_register
from gridgov.mediation.models import (
    Dispute,
    DisputeEvent,
    DisputeParty,
    DisputeType,
    MediationRoom,
    Mediator,
)
from gridgov.rosters.tests.builders import valid_id

ID_1 = valid_id(date(1980, 1, 2))


def _type(code: str = "neighbour", name: str = "邻里纠纷", **fields: Any) -> DisputeType:
    obj, _new = DisputeType.objects.get_or_create(code=code, defaults={"name": name, **fields})
    return obj


def _register(area: Any, **fields: Any) -> Dispute:
    values: dict[str, Any] = {
        "type": _type(),
        "title": "楼上漏水纠纷",
        "source": "walk_in",
        "parties": [
            PartyIn(name="张三", id_number=ID_1, phone="13812341234"),
            PartyIn(name="李四", role="respondent"),
        ],
    }
    values.update(fields)
    return dispute_register(actor=None, area=area, **values)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(area: Any, **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "area": area.pk,
        "type": _type().pk,
        "title": "宅基地边界纠纷",
        "summary": "两户因院墙位置发生争吵。",
        "place": "金沙村三组",
        "amount": "1200",
        "risk": "green",
        "risk_reasons": "",
        "source": "screening",
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "1",
        "parties-MAX_NUM_FORMS": "20",
        "parties-0-name": "王五",
        "parties-0-role": "applicant",
        "parties-0-id_number": ID_1,
        "parties-0-phone": "13912345678",
        "parties-0-address": "凤鸣路1号",
        "parties-1-name": "赵六",
        "parties-1-role": "respondent",
        "parties-1-id_number": "",
        "parties-1-phone": "",
        "parties-1-address": "",
    }
    data.update(over)
    return data


@pytest.fixture
def people(tree: Any, make_user: Any) -> dict[str, Any]:
    return {
        "worker": make_user("worker", ("grid_worker", tree.grid1)),
        "far_worker": make_user("far_worker", ("grid_worker", tree.grid3)),
        "staff": make_user("staff", ("community_staff", tree.community)),
        "dispatcher": make_user("dispatcher", ("dispatcher", tree.street)),
        "mediator": make_user("med", ("mediator", tree.community)),
        "other_mediator": make_user("med2", ("mediator", tree.community)),
        "resident": make_user("resident", ("resident", tree.grid1)),
    }


# --- Register ---------------------------------------------------------------------------------


def test_register_page_offers_the_workers_grid_and_two_party_rows(tree: Any, people: Any) -> None:
    _type()
    page = _client(people["worker"]).get(reverse("mediation:dispute_register"))
    assert page.status_code == 200
    form = page.context["form"]
    assert [pk for pk, _label in form.fields["area"].choices] == [tree.grid1.pk]
    assert len(page.context["parties"].forms) == 2
    assert "登记矛盾纠纷" in page.content.decode()


def test_register_creates_the_dispute_and_shows_parties_masked(tree: Any, people: Any) -> None:
    client = _client(people["worker"])
    response = client.post(reverse("mediation:dispute_register"), _form(tree.grid1))
    dispute = Dispute.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("mediation:dispute_detail", args=[dispute.pk])
    assert dispute.area == tree.grid1 and dispute.source == "screening"
    assert dispute.registered_by == people["worker"]
    parties = list(DisputeParty.objects.filter(dispute=dispute).order_by("id"))
    assert [p.name for p in parties] == ["王五", "赵六"]
    assert parties[0].id_number_masked and ID_1 not in parties[0].id_number_masked
    page = client.get(response["Location"]).content.decode()
    assert dispute.number in page
    assert parties[0].id_number_masked in page
    assert ID_1 not in page and "13912345678" not in page
    assert "已登记" in page or dispute.get_status_display() in page


def test_another_party_adds_a_row_and_keeps_what_was_typed(tree: Any, people: Any) -> None:
    data = _form(tree.grid1, add_party="1")
    page = _client(people["worker"]).post(reverse("mediation:dispute_register"), data)
    assert page.status_code == 200
    parties = page.context["parties"]
    assert len(parties.forms) == 3
    assert 'value="王五"' in page.content.decode()
    assert not page.context["form"].errors
    assert not Dispute.objects.exists()


def test_register_refuses_an_invalid_id_number_in_chinese(tree: Any, people: Any) -> None:
    data = _form(tree.grid1, **{"parties-0-id_number": "640110198001020000"})
    page = _client(people["worker"]).post(reverse("mediation:dispute_register"), data)
    assert page.status_code == 400
    errors = page.context["parties"].forms[0].errors
    assert "id_number" in errors
    assert "身份证" in str(errors["id_number"])
    assert not Dispute.objects.exists() and not DisputeParty.objects.exists()


def test_register_needs_a_named_party(tree: Any, people: Any) -> None:
    data = _form(
        tree.grid1,
        **{"parties-TOTAL_FORMS": "1", "parties-0-name": "", "parties-0-phone": "13912345678"},
    )
    page = _client(people["worker"]).post(reverse("mediation:dispute_register"), data)
    assert page.status_code == 400
    assert page.context["parties"].forms[0].errors["name"]
    assert not Dispute.objects.exists()


def test_a_blank_second_party_row_is_skipped(tree: Any, people: Any) -> None:
    data = _form(tree.grid1, **{"parties-1-name": ""})
    response = _client(people["worker"]).post(reverse("mediation:dispute_register"), data)
    assert response.status_code == 302
    assert list(DisputeParty.objects.values_list("name", flat=True)) == ["王五"]


def test_red_risk_needs_reasons(tree: Any, people: Any) -> None:
    data = _form(tree.grid1, risk="red")
    page = _client(people["worker"]).post(reverse("mediation:dispute_register"), data)
    assert page.status_code == 400
    assert "risk_reasons" in page.context["form"].errors
    assert not Dispute.objects.exists()


def test_register_outside_the_jurisdiction_is_refused(tree: Any, people: Any) -> None:
    data = _form(tree.grid3)
    page = _client(people["worker"]).post(reverse("mediation:dispute_register"), data)
    assert page.status_code == 400
    assert "area" in page.context["form"].errors
    assert not Dispute.objects.exists()


def test_register_is_forbidden_without_the_permission(tree: Any, people: Any) -> None:
    client = _client(people["resident"])
    assert client.get(reverse("mediation:dispute_register")).status_code == 403
    assert client.post(reverse("mediation:dispute_register"), _form(tree.grid1)).status_code == 403
    assert not Dispute.objects.exists()


def test_register_twice_with_the_same_key_makes_one_dispute(tree: Any, people: Any) -> None:
    client = _client(people["worker"])
    data = _form(tree.grid1, key="k-1")
    first = client.post(reverse("mediation:dispute_register"), data)
    second = client.post(reverse("mediation:dispute_register"), data)
    assert first.status_code == second.status_code == 302
    assert Dispute.objects.count() == 1


# --- List, board, mine --------------------------------------------------------------------------


def test_list_filters_by_risk_status_type_and_text(tree: Any, people: Any) -> None:
    red = _register(tree.grid1, title="土地纠纷", risk="red", risk_reasons="扬言闹事")
    green = _register(tree.grid1, title="噪音扰民", type=_type("noise", "噪音"))
    client = _client(people["staff"])
    url = reverse("mediation:dispute_list")

    def listed(**params: Any) -> set[int]:
        page = client.get(url, params)
        assert page.status_code == 200
        return {row["dispute"].pk for row in page.context["rows"]}

    assert listed() == {red.pk, green.pk}
    assert listed(risk="red") == {red.pk}
    assert listed(type=_type("noise").pk) == {green.pk}
    assert listed(q="噪音") == {green.pk}
    assert listed(q=red.number) == {red.pk}
    assert listed(status="open") == {red.pk, green.pk}
    assert listed(status="closed") == set()


def test_list_is_scoped_and_hides_sensitive_disputes(tree: Any, people: Any) -> None:
    plain = _register(tree.grid1)
    family = _register(tree.grid1, title="离婚财产纠纷", sensitive=True)
    far = _register(tree.grid3, title="别处的纠纷")

    def listed(user: Any) -> set[int]:
        page = _client(user).get(reverse("mediation:dispute_list"))
        return {row["dispute"].pk for row in page.context["rows"]}

    assert listed(people["worker"]) == {plain.pk}
    assert listed(people["far_worker"]) == {far.pk}
    assert listed(people["mediator"]) == {plain.pk, family.pk}
    worker = _client(people["worker"])
    detail = reverse("mediation:dispute_detail", args=[family.pk])
    assert worker.get(detail).status_code == 404
    assert _client(people["mediator"]).get(detail).status_code == 200


def test_list_is_forbidden_to_roles_without_mediation(people: Any) -> None:
    assert _client(people["resident"]).get(reverse("mediation:dispute_list")).status_code == 403


def test_board_lists_open_red_disputes_until_the_risk_is_lowered(tree: Any, people: Any) -> None:
    red = _register(tree.grid1, risk="red", risk_reasons="当事人情绪激动，扬言报复")
    _register(tree.grid1, risk="yellow", risk_reasons="多次争吵")
    board = _client(people["dispatcher"])
    page = board.get(reverse("mediation:dispute_board"))
    assert page.status_code == 200
    assert [row["dispute"].pk for row in page.context["rows"]] == [red.pk]
    assert "扬言报复" in page.content.decode()
    response = board.post(
        reverse("mediation:dispute_act", args=[red.pk, "set_risk"]),
        {"version": red.version, "risk": "green", "reasons": "双方已冷静"},
    )
    assert response.status_code == 302
    page = board.get(reverse("mediation:dispute_board"))
    assert page.context["rows"] == []
    assert _client(people["worker"]).get(reverse("mediation:dispute_board")).status_code == 403


def test_my_disputes_are_those_assigned_to_my_mediator(tree: Any, people: Any) -> None:
    mine = _register(tree.grid1, title="我的纠纷")
    _register(tree.grid1, title="别人的纠纷")
    # Registered by the mediator but not assigned to them: not on the page.
    dispute_register(
        actor=people["mediator"],
        area=tree.grid1,
        type=_type(),
        title="我登记的纠纷",
        source="walk_in",
        parties=[PartyIn(name="王五")],
    )
    room = MediationRoom.objects.create(name="马建才调解室", area=tree.community)
    med = Mediator.objects.create(
        name="马建才", area=tree.community, room=room, user=people["mediator"]
    )
    from gridgov.mediation.disputes.services import dispute_accept, dispute_assign

    staff = people["staff"]
    dispute_accept(actor=staff, dispute=mine, version=mine.version)
    dispute_assign(actor=staff, dispute=mine, version=mine.version, mediator=med)
    page = _client(people["mediator"]).get(reverse("mediation:dispute_mine"))
    assert page.status_code == 200
    assert [row["dispute"].pk for row in page.context["open_rows"]] == [mine.pk]
    other = _client(people["other_mediator"]).get(reverse("mediation:dispute_mine"))
    assert other.context["open_rows"] == []
    assert b"no-mediator-profile" in other.content
    assert _client(people["worker"]).get(reverse("mediation:dispute_mine")).status_code == 403


# --- Detail and actions -----------------------------------------------------------------------


def _act(client: Client, dispute: Dispute, action: str, **data: Any) -> Any:
    data.setdefault("version", Dispute.objects.get(pk=dispute.pk).version)
    return client.post(reverse("mediation:dispute_act", args=[dispute.pk, action]), data)


def _errors(response: Any) -> Any:
    if response.status_code != 400:
        return response.status_code
    return [af["form"].errors for af in response.context["action_forms"] if af["open"]]


def test_detail_offers_the_actions_the_user_may_take(tree: Any, people: Any) -> None:
    dispute = _register(tree.grid1)
    url = reverse("mediation:dispute_detail", args=[dispute.pk])
    staff_page = _client(people["staff"]).get(url)
    offered = [af["action"] for af in staff_page.context["action_forms"]]
    assert "accept" in offered and "refer" in offered
    worker_page = _client(people["worker"]).get(url)
    offered = [af["action"] for af in worker_page.context["action_forms"]]
    assert "accept" not in offered
    body = staff_page.content.decode()
    assert f'name="version" value="{dispute.version}"' in body
    assert 'data-testid="case-timeline"' in body


def test_a_dispute_through_its_whole_life_on_the_pages(tree: Any, people: Any) -> None:
    dispute = _register(tree.grid1, now=timezone.now() - timedelta(days=1))
    room = MediationRoom.objects.create(name="石榴籽调解室", area=tree.community)
    med = Mediator.objects.create(
        name="马建才", area=tree.community, room=room, user=people["mediator"]
    )
    staff, mediator = _client(people["staff"]), _client(people["mediator"])
    response = _act(staff, dispute, "accept", note="受理")
    assert response.status_code == 302, _errors(response)
    response = _act(staff, dispute, "assign", mediator=med.pk, room=room.pk)
    assert response.status_code == 302, _errors(response)
    held = (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    for n in (1, 2):
        response = _act(
            mediator,
            dispute,
            "session",
            held_at=held,
            place="调解室",
            attendees="双方",
            minutes=f"第{n}次",
        )
        assert response.status_code == 302, _errors(response)
    response = _act(mediator, dispute, "agree", note="赔偿500元")
    assert response.status_code == 302, _errors(response)
    visited = (timezone.localtime() + timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M")
    response = _act(mediator, dispute, "follow_up", visited_at=visited, performance="full")
    assert response.status_code == 302, _errors(response)
    response = _act(mediator, dispute, "close", note="")
    assert response.status_code == 302, _errors(response)
    dispute.refresh_from_db()
    assert dispute.status == "closed" and dispute.mediator == med
    assert dispute.sessions.count() == 2 and dispute.follow_ups.count() == 1
    page = staff.get(reverse("mediation:dispute_detail", args=[dispute.pk])).content.decode()
    assert page.count('data-testid="session"') == 2
    assert 'data-testid="follow-up"' in page
    assert "赔偿500元" in page


def test_a_stale_form_changes_nothing_and_says_so_in_chinese(tree: Any, people: Any) -> None:
    dispute = _register(tree.grid1)
    old = dispute.version
    staff = _client(people["staff"])
    assert _act(staff, dispute, "accept").status_code == 302
    staff.get(reverse("mediation:dispute_list"))  # the "accepted" message shown
    dispute.refresh_from_db()
    events = DisputeEvent.objects.filter(dispute=dispute).count()
    response = _act(staff, dispute, "set_risk", version=old, risk="red", reasons="旧页面")
    assert response.status_code == 302
    after = Dispute.objects.get(pk=dispute.pk)
    assert (after.risk, after.version) == (dispute.risk, dispute.version)
    assert DisputeEvent.objects.filter(dispute=dispute).count() == events
    page = staff.get(response["Location"])
    message = " ".join(str(m) for m in page.context["messages"])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message


def test_a_wrong_state_changes_nothing_and_says_so(tree: Any, people: Any) -> None:
    dispute = _register(tree.grid1)
    staff = _client(people["staff"])
    assert _act(staff, dispute, "accept").status_code == 302
    staff.get(reverse("mediation:dispute_list"))  # the "accepted" message shown
    dispute.refresh_from_db()
    response = _act(staff, dispute, "accept")
    assert response.status_code == 302
    assert Dispute.objects.get(pk=dispute.pk).version == dispute.version
    messages = [str(m) for m in staff.get(response["Location"]).context["messages"]]
    assert messages and all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in messages)


def test_invalid_action_input_shows_the_form_again(tree: Any, people: Any) -> None:
    dispute = _register(tree.grid1)
    staff = _client(people["staff"])
    response = _act(staff, dispute, "refer", referred_to="litigation", referred_body="", reason="")
    assert response.status_code == 400
    bound = [af for af in response.context["action_forms"] if af["open"]]
    assert [af["action"] for af in bound] == ["refer"]
    assert "referred_body" in bound[0]["form"].errors
    assert Dispute.objects.get(pk=dispute.pk).status == "registered"


def test_a_future_session_is_refused(tree: Any, people: Any) -> None:
    dispute = _register(tree.grid1)
    med = Mediator.objects.create(name="马建才", area=tree.community, user=people["mediator"])
    staff, mediator = _client(people["staff"]), _client(people["mediator"])
    _act(staff, dispute, "accept")
    _act(staff, dispute, "assign", mediator=med.pk)
    later = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = _act(mediator, dispute, "session", held_at=later)
    assert response.status_code == 400
    assert not dispute.sessions.exists()


def test_an_action_the_role_never_holds_is_403(tree: Any, people: Any) -> None:
    dispute = _register(tree.grid1)
    response = _act(_client(people["worker"]), dispute, "accept")
    assert response.status_code == 403
    assert Dispute.objects.get(pk=dispute.pk).status == "registered"


def test_unknown_action_is_404(tree: Any, people: Any) -> None:
    dispute = _register(tree.grid1)
    assert _act(_client(people["staff"]), dispute, "explode").status_code == 404


# --- Shell ------------------------------------------------------------------------------------


def test_nav_and_home_card_for_mediation_roles_only(tree: Any, people: Any) -> None:
    _register(tree.grid1, risk="red", risk_reasons="扬言闹事")
    home = _client(people["dispatcher"]).get(reverse("core:home")).content.decode()
    assert 'data-testid="nav-mediation"' in home
    assert 'data-testid="home-mediation"' in home
    assert 'data-item="board"' in home and 'data-item="to_accept"' in home
    resident = _client(people["resident"]).get(reverse("core:home")).content.decode()
    assert 'data-testid="nav-mediation"' not in resident
    assert 'data-testid="home-mediation"' not in resident


def test_attachments_are_listed_and_served_only_through_the_scoping(tree: Any, people: Any) -> None:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from gridgov.kernel.attachments.services import attachments_add
    from gridgov.mediation.models import DisputeAttachment

    dispute = _register(tree.grid1)
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(out, format="JPEG")
    photo = SimpleUploadedFile("现场.jpg", out.getvalue(), content_type="image/jpeg")
    (att,) = attachments_add(
        model=DisputeAttachment, owner=dispute, files=[photo], actor=people["staff"]
    )
    page = _client(people["staff"]).get(reverse("mediation:dispute_detail", args=[dispute.pk]))
    url = reverse("attachments:download", args=["mediation.disputeattachment", att.pk])
    assert url in page.content.decode()
    assert _client(people["staff"]).get(url).status_code == 200
    assert _client(people["far_worker"]).get(url).status_code == 404


def test_the_list_costs_the_same_queries_for_more_disputes(tree: Any, people: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(people["staff"])
    url = reverse("mediation:dispute_list")
    _register(tree.grid1)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _n in range(4):
        _register(tree.grid2, risk="yellow", risk_reasons="多次争吵")
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert len(page.context["rows"]) == 5
    assert len(many.captured_queries) == len(few.captured_queries)
