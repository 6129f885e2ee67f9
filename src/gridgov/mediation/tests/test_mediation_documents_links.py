"""Links between cases and mediation, and the documents' pages and API."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from gridgov.accounts.services import token_issue
from gridgov.audit.models import AuditEntry, Event
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.tests.core_builders import category, make_case
from gridgov.core.errors import Conflict, PermissionDenied
from gridgov.mediation.documents import links
from gridgov.mediation.models import Dispute, DisputeEvent, DisputeType
from gridgov.mediation.tests import documents_builders as b


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def dtype(db):
    return DisputeType.objects.update_or_create(code="neighbour", defaults={"name": "邻里纠纷"})[0]


@pytest.fixture
def staff(tree, make_user):
    """Community staff: case triage and mediation report/triage in 凤鸣社区."""
    return make_user("comm", ("community_staff", tree.community))


def _case_state(case):
    return Case.objects.filter(pk=case.pk).values_list("status", "version").get()


# --- case_to_mediation ----------------------------------------------------------------------------


def test_a_report_is_not_accepted_and_becomes_a_dispute(tree, staff, dtype):
    case = make_case(tree.grid1, title="邻居堆放杂物堵路", reporter_name="王大爷")
    dispute = links.case_to_mediation(actor=staff, case=case, version=case.version, type=dtype)
    assert dispute.source == "case" and dispute.from_case == case
    assert dispute.area == case.area and dispute.title == "邻居堆放杂物堵路"
    assert [p.name for p in dispute.parties.all()] == ["王大爷"]  # the reporter applies
    case.refresh_from_db()
    assert case.status == "rejected"
    entry = CaseEvent.objects.filter(case=case).latest("id")
    assert entry.action == "reject" and dispute.number in entry.note and "人民调解" in entry.note


def test_a_case_in_progress_is_replied_to_by_its_unit(tree, make_user, dtype):
    # A community handles the case and also mediates: its staff reply "转人民调解".
    staff = make_user("comm2", ("community_staff", tree.community))
    case = make_case(tree.grid1, status="in_progress", unit=tree.community)
    dispute = links.case_to_mediation(actor=staff, case=case, version=case.version, type=dtype)
    case.refresh_from_db()
    assert case.status == "resolved"
    assert dispute.number in case.reply


def test_a_case_the_actor_cannot_move_keeps_its_state_with_a_note(tree, make_user, dtype):
    dispatcher = make_user("disp", ("dispatcher", tree.street))
    case = make_case(tree.grid1, status="assigned", unit=tree.grid1)
    before = _case_state(case)
    dispute = links.case_to_mediation(actor=dispatcher, case=case, version=case.version, type=dtype)
    assert _case_state(case) == before
    entry = CaseEvent.objects.filter(case=case).latest("id")
    assert entry.action == "comment" and dispute.number in entry.note


def test_a_finished_case_cannot_be_converted(tree, staff, dtype):
    case = make_case(tree.grid1, status="closed")
    with pytest.raises(Conflict) as exc:
        links.case_to_mediation(actor=staff, case=case, version=case.version, type=dtype)
    assert exc.value.code == "case_closed"
    assert not Dispute.objects.exists()


def test_a_case_is_converted_once(tree, staff, dtype):
    case = make_case(tree.grid1, status="assigned", unit=tree.grid1)
    links.case_to_mediation(actor=staff, case=case, version=case.version, type=dtype)
    case.refresh_from_db()
    with pytest.raises(Conflict) as exc:
        links.case_to_mediation(actor=staff, case=case, version=case.version, type=dtype)
    assert exc.value.code == "case_in_mediation"
    assert Dispute.objects.count() == 1


def test_a_stale_case_version_writes_nothing(tree, staff, dtype):
    case = make_case(tree.grid1)
    with pytest.raises(Conflict) as exc:
        links.case_to_mediation(actor=staff, case=case, version=case.version + 1, type=dtype)
    assert exc.value.code == "stale_version"
    assert not Dispute.objects.exists() and _case_state(case)[0] == "reported"


def test_without_mediation_report_nothing_is_written_and_the_refusal_is_audited(
    tree, make_user, dtype
):
    handler = make_user("h", ("leader", tree.street))  # sees cases, registers no dispute
    case = make_case(tree.grid1)
    with pytest.raises(PermissionDenied):
        links.case_to_mediation(actor=handler, case=case, version=case.version, type=dtype)
    assert not Dispute.objects.exists()
    assert _case_state(case)[0] == "reported"
    assert AuditEntry.objects.filter(event=Event.PERMISSION_DENIED, actor=handler).exists()


def test_a_bad_dispute_input_leaves_the_case_alone(tree, staff):
    case = make_case(tree.grid1)
    with pytest.raises(Exception):  # noqa: B017 (the flow's ValidationFailed on the type)
        links.case_to_mediation(actor=staff, case=case, version=case.version, type=None)
    assert not Dispute.objects.exists()
    assert _case_state(case) == ("reported", case.version)


# --- dispute_open_case --------------------------------------------------------------------------


def test_a_dispute_opens_a_case_for_a_department(tree, staff):
    d = b.dispute(tree.grid1)
    case = links.dispute_open_case(
        actor=staff, dispute=d, version=d.version, category=category().pk, note="请城管拆除违建"
    )
    d.refresh_from_db()
    assert d.opened_case == case and d.version == 2
    assert case.area == d.area and case.source == "higher"
    assert d.number in case.description
    entry = DisputeEvent.objects.filter(dispute=d).latest("id")
    assert entry.action == "open_case" and entry.data["case_number"] == case.number
    with pytest.raises(Conflict) as exc:
        links.dispute_open_case(actor=staff, dispute=d, version=d.version, category=category().pk)
    assert exc.value.code == "case_already_opened"
    assert Case.objects.count() == 1


def test_a_mediator_without_case_report_cannot_open_a_case(tree, make_user):
    mediator = make_user("med", ("mediator", tree.community))
    d = b.dispute(tree.grid1)
    with pytest.raises(PermissionDenied):
        links.dispute_open_case(
            actor=mediator, dispute=d, version=d.version, category=category().pk
        )
    assert not Case.objects.exists()
    d.refresh_from_db()
    assert d.opened_case_id is None and d.version == 1


# --- Pages --------------------------------------------------------------------------------------


def test_the_case_page_shows_the_linked_dispute_and_its_state(client, tree, staff, dtype):
    case = make_case(tree.grid1, status="assigned", unit=tree.grid1)
    client.force_login(staff)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-testid="case-to-mediation"' in page
    response = client.post(
        reverse("mediation:case_to_mediation", args=[case.pk]),
        {"version": case.version, "type": dtype.pk, "risk": "green"},
    )
    assert response.status_code == 302
    dispute = Dispute.objects.get()
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-testid="case-linked-dispute"' in page and dispute.number in page
    assert 'data-testid="case-to-mediation"' not in page


def test_the_documents_page_downloads_the_agreement_and_says_it_is_audited(client, tree, make_user):
    mediator = make_user("med", ("mediator", tree.community))
    d = b.dispute(tree.grid1)
    client.force_login(mediator)
    page = client.get(reverse("mediation:documents_dispute", args=[d.pk])).content.decode()
    assert 'data-testid="agreement-unmask-note"' in page
    response = client.post(
        reverse("mediation:documents_generate", args=[d.pk, "agreement"]),
        {"terms": "张建国三日内清理通道。", "performance_method": "当面", "deadline": "2026-12-20"},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "no-store" in response["Cache-Control"]
    assert "张建国三日内清理通道。" in b.docx_text(response.content)
    assert AuditEntry.objects.filter(event=Event.PERSONAL_DATA_VIEWED).count() == 2


def test_the_documents_page_shows_a_missing_term_as_a_field_error(client, tree, make_user):
    mediator = make_user("med", ("mediator", tree.community))
    d = b.dispute(tree.grid1)
    client.force_login(mediator)
    response = client.post(reverse("mediation:documents_generate", args=[d.pk, "agreement"]), {})
    assert response.status_code == 400
    assert 'id="id_terms_errors"' in response.content.decode()


def test_a_grid_worker_of_another_grid_cannot_open_the_documents(client, tree, make_user):
    other = make_user("gw3", ("grid_worker", tree.grid3))
    d = b.dispute(tree.grid1)
    client.force_login(other)
    assert client.get(reverse("mediation:documents_dispute", args=[d.pk])).status_code == 404
    url = reverse("mediation:documents_generate", args=[d.pk, "application"])
    assert client.post(url).status_code == 404


# --- API ----------------------------------------------------------------------------------------


def _bearer(user):
    _token, raw = token_issue(user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_api_generates_the_application_and_refuses_the_agreement_to_a_grid_worker(
    client, tree, make_user
):
    gw = make_user("gw", ("grid_worker", tree.grid1))
    d = b.dispute(tree.grid1)
    url = f"/api/v1/mediation/disputes/{d.pk}/documents/application"
    response = client.post(url, data="{}", content_type="application/json", **_bearer(gw))
    assert response.status_code == 200
    assert d.number in b.docx_text(response.content)
    url = f"/api/v1/mediation/disputes/{d.pk}/documents/agreement"
    body = json.dumps({"terms": "和解"})
    response = client.post(url, data=body, content_type="application/json", **_bearer(gw))
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_api_converts_a_case(client, tree, staff, dtype):
    case = make_case(tree.grid1)
    body = json.dumps({"version": case.version, "type_id": dtype.pk})
    response = client.post(
        f"/api/v1/mediation/cases/{case.pk}/to-mediation",
        data=body,
        content_type="application/json",
        **_bearer(staff),
    )
    assert response.status_code == 201, response.content
    assert response.json()["case_status"] == "rejected"
    again = client.post(
        f"/api/v1/mediation/cases/{case.pk}/to-mediation",
        data=json.dumps({"version": case.version + 1, "type_id": dtype.pk}),
        content_type="application/json",
        **_bearer(staff),
    )
    assert again.status_code == 409
