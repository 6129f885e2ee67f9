"""Who mediates: committees, rooms, mediators (accounts made mediators, residents linked,
phone numbers protected) and the dispute types — services, pages and API."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from gridgov.accounts import scoping
from gridgov.accounts.models import RoleGrant
from gridgov.accounts.roles import Perm, Role
from gridgov.accounts.services import token_issue
from gridgov.audit.models import AuditEntry, Event
from gridgov.core import pii
from gridgov.core.errors import Code, Conflict, PermissionDenied, ValidationFailed
from gridgov.mediation.models import Committee, DisputeType, MediationRoom, Mediator
from gridgov.mediation.orgs import selectors, services
from gridgov.rosters.services import people
from gridgov.rosters.tests.builders import valid_id


@pytest.fixture
def dispatcher(tree: Any, make_user: Any) -> Any:
    """The 综治中心 of 凤鸣街道: mediation.manage there (no users.manage)."""
    return make_user("zz", (Role.DISPATCHER, tree.street))


@pytest.fixture
def admin(tree: Any, make_user: Any) -> Any:
    """An administrator of 凤鸣街道: mediation.manage and users.manage there."""
    return make_user("admin1", (Role.ADMIN, tree.street))


@pytest.fixture
def worker(tree: Any, make_user: Any) -> Any:
    return make_user("gw", (Role.GRID_WORKER, tree.grid1))


@pytest.fixture
def street_committee(tree: Any) -> Committee:
    return services.committee_create(actor=None, name="凤鸣街道人民调解委员会", area=tree.street)


def _resident(area: Any, name: str = "马建才") -> Any:
    household = people.household_create(
        actor=None, area=area, household_type="resident", address="凤鸣路1号"
    )
    return people.resident_create(
        actor=None,
        household=household,
        name=name,
        id_number=valid_id(date(1962, 3, 4)),
        relation="02",
        residence_type="registered",
    )


def _api(client: Client, method: str, url: str, user: Any, body: Any = None) -> Any:
    _token, raw = token_issue(user=user)
    kw: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    if body is not None:
        kw["data"] = json.dumps(body)
        kw["content_type"] = "application/json"
    return getattr(client, method)(url, **kw)


# --- Dispute types ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_dispute_types_are_seeded_with_family_matters_sensitive() -> None:
    types = {t.code: t for t in DisputeType.objects.all()}
    assert [t.name for t in selectors.dispute_type_list()] == [
        "婚姻家庭",
        "邻里",
        "物业",
        "土地山林",
        "劳资",
        "征地拆迁",
        "消费",
        "交通事故",
        "其他",
    ]
    assert {c for c, t in types.items() if t.sensitive} == {"family"}
    assert {t.deadline_days for t in types.values()} == {30}


def test_a_dispatcher_edits_a_type_and_a_grid_worker_may_not(dispatcher: Any, worker: Any) -> None:
    family = DisputeType.objects.get(code="family")
    services.dispute_type_update(actor=dispatcher, dispute_type=family, deadline_days=45)
    family.refresh_from_db()
    assert family.deadline_days == 45
    entry = AuditEntry.objects.filter(event=Event.CONFIG_CHANGED).latest("id")
    assert entry.detail == {"what": "mediation.disputetype", "fields": ["deadline_days"]}
    with pytest.raises(PermissionDenied):
        services.dispute_type_update(actor=worker, dispute_type=family, deadline_days=10)
    family.refresh_from_db()
    assert family.deadline_days == 45


def test_a_type_needs_a_sane_deadline_and_a_new_code(dispatcher: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.dispute_type_create(actor=dispatcher, code="pets", name="宠物", deadline_days=0)
    assert "deadline_days" in exc.value.fields
    with pytest.raises(Conflict):
        services.dispute_type_create(actor=dispatcher, code="family", name="家事")
    created = services.dispute_type_create(actor=dispatcher, code="pets", name="宠物", sort=95)
    assert (created.deadline_days, created.sensitive, created.active) == (30, False, True)


# --- Committees and rooms ---------------------------------------------------------------------


def test_committees_live_in_the_jurisdiction_and_names_are_unique(
    tree: Any, dispatcher: Any, worker: Any, make_user: Any
) -> None:
    committee = services.committee_create(
        actor=dispatcher, name="凤鸣社区调委会", area=tree.community
    )
    assert committee.area_path == tree.community.path
    with pytest.raises(Conflict) as exc:
        services.committee_create(actor=dispatcher, name="凤鸣社区调委会", area=tree.community)
    assert exc.value.code == Code.DUPLICATE_NAME
    with pytest.raises(PermissionDenied):  # 金沙村 lies outside 凤鸣街道
        services.committee_create(actor=dispatcher, name="金沙村调委会", area=tree.village)
    with pytest.raises(PermissionDenied):  # a grid worker views, does not manage
        services.committee_create(actor=worker, name="网格调解小组", area=tree.grid1)
    assert Committee.objects.count() == 1
    # Seen inside the jurisdiction (a subtree): by the community's staff, not from below
    # (a grid worker of 网格一) nor from another community.
    assert list(
        selectors.committee_list(make_user("cs", (Role.COMMUNITY_STAFF, tree.community)))
    ) == [committee]
    assert not selectors.committee_list(worker).exists()
    assert not selectors.committee_list(
        make_user("os", (Role.COMMUNITY_STAFF, tree.village))
    ).exists()


def test_a_room_lies_inside_its_committees_area(
    tree: Any, dispatcher: Any, street_committee: Committee
) -> None:
    community = services.committee_create(
        actor=dispatcher, name="凤鸣社区调委会", area=tree.community
    )
    room = services.room_create(
        actor=dispatcher,
        name="石榴籽调解室",
        area=tree.grid1,
        committee=community,
        address="凤鸣路",
    )
    assert (room.committee, room.area_path) == (community, tree.grid1.path)
    with pytest.raises(ValidationFailed) as exc:
        services.room_create(
            actor=dispatcher, name="马建才调解室", area=tree.street, committee=community
        )
    assert exc.value.code == Code.AREA_OUTSIDE_PARENT
    # A committee with an active room stays active until the room goes.
    with pytest.raises(Conflict):
        services.committee_update(actor=dispatcher, committee=community, active=False)
    services.room_update(actor=dispatcher, room=room, active=False)
    services.committee_update(actor=dispatcher, committee=community, active=False)
    community.refresh_from_db()
    assert community.active is False


# --- Mediators --------------------------------------------------------------------------------


def test_a_mediators_phone_is_encrypted_and_masked(tree: Any, dispatcher: Any) -> None:
    mediator = services.mediator_create(
        actor=dispatcher, name="李调解", kind="lawyer", area=tree.street, phone="139 1234 5678"
    )
    mediator.refresh_from_db()
    assert mediator.phone_masked == "139****5678"
    assert "13912345678" not in mediator.phone_enc
    assert pii.decrypt(mediator.phone_enc) == "13912345678"
    assert mediator.phone_hash == pii.keyed_hash("13912345678")
    with pytest.raises(ValidationFailed) as exc:
        services.mediator_create(actor=dispatcher, name="王", area=tree.street, phone="12345")
    assert "phone" in exc.value.fields
    # Cleared with "" and kept with None.
    services.mediator_update(actor=dispatcher, mediator=mediator, phone=None, specialty="劳资")
    assert mediator.phone_masked == "139****5678"
    services.mediator_update(actor=dispatcher, mediator=mediator, phone="")
    mediator.refresh_from_db()
    assert (mediator.phone_enc, mediator.phone_masked, mediator.specialty) == ("", "", "劳资")
    assert "13912345678" not in json.dumps(
        list(AuditEntry.objects.values_list("detail", flat=True)), ensure_ascii=False
    )


def test_linking_an_account_makes_it_a_mediator_at_the_area(
    tree: Any, admin: Any, make_user: Any
) -> None:
    account = make_user("majiancai", display_name="马建才")
    assert not scoping.has_perm_anywhere(account, Perm.MEDIATION_HANDLE)
    mediator = services.mediator_create(
        actor=admin, name="马建才", area=tree.community, user=account
    )
    assert mediator.user == account
    grant = RoleGrant.objects.get(user=account)
    assert (grant.role, grant.area) == (Role.MEDIATOR, tree.community)
    scoping.forget(account)
    assert scoping.can(account, Perm.MEDIATION_HANDLE, tree.grid1)
    assert not scoping.can(account, Perm.MEDIATION_HANDLE, tree.grid3)
    assert AuditEntry.objects.filter(event=Event.ROLE_GRANTED, target_id=str(account.pk)).exists()
    # A second profile at a lower area needs no second grant.
    services.mediator_create(actor=admin, name="马建才", area=tree.grid1, user=account)
    assert RoleGrant.objects.filter(user=account).count() == 1


def test_a_dispatcher_cannot_grant_the_role_and_nothing_is_written(
    tree: Any, dispatcher: Any, make_user: Any
) -> None:
    account = make_user("someone")
    with pytest.raises(PermissionDenied):
        services.mediator_create(actor=dispatcher, name="某人", area=tree.community, user=account)
    assert not Mediator.objects.exists()
    assert not RoleGrant.objects.filter(user=account).exists()
    # An account that already mediates over the area is linked without a grant.
    mediating = make_user("already", (Role.MEDIATOR, tree.street))
    linked = services.mediator_create(
        actor=dispatcher, name="老调解员", area=tree.community, user=mediating
    )
    assert linked.user == mediating
    assert RoleGrant.objects.filter(user=mediating).count() == 1


def test_a_resident_mediator_takes_the_residents_name_and_lives_in_the_area(
    tree: Any, dispatcher: Any
) -> None:
    resident = _resident(tree.grid1)
    mediator = services.mediator_create(
        actor=dispatcher, kind="elder", area=tree.community, resident=resident
    )
    assert (mediator.name, mediator.resident) == ("马建才", resident)
    elsewhere = _resident(tree.grid3, "金老汉")
    with pytest.raises(ValidationFailed) as exc:
        services.mediator_update(actor=dispatcher, mediator=mediator, resident=elsewhere)
    assert "resident" in exc.value.fields


def test_a_mediator_takes_the_rooms_committee_and_not_another(
    tree: Any, dispatcher: Any, street_committee: Committee
) -> None:
    other = services.committee_create(actor=dispatcher, name="凤鸣社区调委会", area=tree.community)
    room = services.room_create(
        actor=dispatcher, name="马建才调解室", area=tree.community, committee=other
    )
    mediator = services.mediator_create(actor=dispatcher, name="甲", area=tree.grid1, room=room)
    assert mediator.committee == other
    with pytest.raises(ValidationFailed) as exc:
        services.mediator_create(
            actor=dispatcher, name="乙", area=tree.grid1, room=room, committee=street_committee
        )
    assert "room" in exc.value.fields


# --- Pages ------------------------------------------------------------------------------------


def test_the_overview_lists_masked_phones_and_offers_forms_to_managers(
    tree: Any, dispatcher: Any, worker: Any, client: Client
) -> None:
    services.mediator_create(actor=dispatcher, name="马建才", area=tree.grid1, phone="13912345678")
    client.force_login(worker)
    page = client.get(reverse("mediation:orgs_index")).content.decode()
    assert "马建才" in page and "139****5678" in page and "13912345678" not in page
    assert reverse("mediation:orgs_committee_create") not in page
    assert client.get(reverse("mediation:orgs_committee_create")).status_code == 403
    client.force_login(dispatcher)
    page = client.get(reverse("mediation:orgs_index")).content.decode()
    assert reverse("mediation:orgs_committee_create") in page


def test_the_committee_form_saves_and_shows_chinese_errors(
    tree: Any, dispatcher: Any, client: Client
) -> None:
    client.force_login(dispatcher)
    url = reverse("mediation:orgs_committee_create")
    response = client.post(url, {"name": "凤鸣社区调委会", "area": tree.community.pk})
    assert response.status_code == 302
    committee = Committee.objects.get()
    again = client.post(url, {"name": "凤鸣社区调委会", "area": tree.community.pk})
    assert again.status_code == 400
    assert "已有同名" in again.content.decode()
    edit = reverse("mediation:orgs_committee_edit", args=[committee.pk])
    assert client.post(edit, {"name": "凤鸣社区人民调解委员会", "active": "on"}).status_code == 302
    committee.refresh_from_db()
    assert committee.name == "凤鸣社区人民调解委员会"


def test_the_mediator_form_links_an_account_by_user_name(
    tree: Any, admin: Any, make_user: Any, client: Client
) -> None:
    account = make_user("mediator2")
    client.force_login(admin)
    url = reverse("mediation:orgs_mediator_create")
    unknown = client.post(
        url, {"name": "马建才", "kind": "people", "area": tree.community.pk, "username": "nobody"}
    )
    assert unknown.status_code == 400
    assert not Mediator.objects.exists()
    ok = client.post(
        url,
        {"name": "马建才", "kind": "people", "area": tree.community.pk, "username": "mediator2"},
    )
    assert ok.status_code == 302
    assert Mediator.objects.get().user == account
    assert RoleGrant.objects.filter(user=account, role=Role.MEDIATOR).exists()


def test_the_type_pages(dispatcher: Any, client: Client) -> None:
    client.force_login(dispatcher)
    page = client.get(reverse("mediation:orgs_types")).content.decode()
    assert "婚姻家庭" in page and "土地山林" in page
    labour = DisputeType.objects.get(code="labour")
    edit = reverse("mediation:orgs_type_edit", args=[labour.pk])
    response = client.post(edit, {"name": "劳资纠纷", "deadline_days": "20", "sort": "50"})
    assert response.status_code == 302
    labour.refresh_from_db()
    assert (labour.name, labour.deadline_days, labour.active) == ("劳资纠纷", 20, False)
    assert client.post(edit, {"name": "劳资", "deadline_days": "0", "sort": "1"}).status_code == 400


# --- API --------------------------------------------------------------------------------------


def test_the_api_registers_and_edits_a_mediator(tree: Any, dispatcher: Any, client: Client) -> None:
    room = services.room_create(actor=dispatcher, name="马建才调解室", area=tree.community)
    created = _api(
        client,
        "post",
        "/api/v1/mediation/mediators",
        dispatcher,
        {
            "name": "马建才",
            "kind": "elder",
            "area_id": tree.community.pk,
            "room_id": room.pk,
            "phone": "13912345678",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["phone_masked"] == "139****5678" and "13912345678" not in created.content.decode()
    assert (body["room_id"], body["kind_label"]) == (room.pk, "乡贤")
    patched = _api(
        client,
        "patch",
        f"/api/v1/mediation/mediators/{body['id']}",
        dispatcher,
        {"room_id": None, "specialty": "邻里纠纷"},
    )
    assert patched.status_code == 200
    assert (patched.json()["room_id"], patched.json()["specialty"]) == (None, "邻里纠纷")
    listed = _api(client, "get", f"/api/v1/mediation/mediators?area={tree.grid3.pk}", dispatcher)
    assert listed.status_code == 404  # an area outside the jurisdiction
    bad = _api(
        client,
        "post",
        "/api/v1/mediation/rooms",
        dispatcher,
        {"name": "", "area_id": tree.community.pk},
    )
    assert bad.status_code == 400 and bad.json()["fields"]["name"]
    assert MediationRoom.objects.count() == 1


def test_the_api_lists_and_edits_dispute_types(
    dispatcher: Any, worker: Any, client: Client
) -> None:
    listed = _api(client, "get", "/api/v1/mediation/dispute-types", worker)
    assert listed.status_code == 200 and len(listed.json()) == 9
    denied = _api(
        client, "post", "/api/v1/mediation/dispute-types", worker, {"code": "x", "name": "新"}
    )
    assert denied.status_code == 403
    created = _api(
        client,
        "post",
        "/api/v1/mediation/dispute-types",
        dispatcher,
        {"code": "pets", "name": "宠物", "deadline_days": 15},
    )
    assert created.status_code == 201 and created.json()["deadline_days"] == 15


# --- Back office ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [
        "disputetype",
        "committee",
        "mediationroom",
        "mediator",
        "dispute",
        "disputeparty",
        "mediationsession",
        "followup",
        "disputeevent",
        "disputeattachment",
        "screeninground",
        "screeningreturn",
        "documenttemplate",
    ],
)
def test_the_back_office_shows_every_mediation_model_read_only(
    model: str, tree: Any, make_user: Any, client: Client
) -> None:
    services.mediator_create(actor=None, name="马建才", area=tree.grid1, phone="13912345678")
    root = make_user("root", is_staff=True, is_superuser=True)
    client.force_login(root)
    listing = client.get(f"/admin/mediation/{model}/")
    assert listing.status_code == 200
    assert client.get(f"/admin/mediation/{model}/add/").status_code == 403
    if model == "mediator":
        page = listing.content.decode()
        assert "139****5678" in page and "13912345678" not in page


def test_the_back_office_hides_sensitive_disputes_from_staff_without_the_right(
    tree: Any, make_user: Any, client: Client
) -> None:
    from gridgov.mediation.disputes.services import PartyIn, dispute_register

    def register(title: str, code: str) -> None:
        dispute_register(
            actor=None,
            area=tree.grid1,
            type=DisputeType.objects.get(code=code),
            title=title,
            source="walk_in",
            parties=[PartyIn(name="张三"), PartyIn(name="李四", role="respondent")],
        )

    register("物业费纠纷", "property")
    register("抚养费纠纷", "family")
    staff = make_user("cs_staff", (Role.COMMUNITY_STAFF, tree.community), is_staff=True)
    client.force_login(staff)
    page = client.get("/admin/mediation/dispute/").content.decode()
    assert "物业费纠纷" in page and "抚养费纠纷" not in page
    parties = client.get("/admin/mediation/disputeparty/")
    assert parties.status_code == 200
    mediator = make_user("med_staff", (Role.MEDIATOR, tree.community), is_staff=True)
    client.force_login(mediator)
    assert "抚养费纠纷" in client.get("/admin/mediation/dispute/").content.decode()
