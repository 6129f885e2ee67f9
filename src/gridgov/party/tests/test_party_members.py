"""Members: registration, duplicates, masking, confirmation, transfers and scoping."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from gridgov.audit.models import AuditEntry, Event
from gridgov.core import crypto
from gridgov.core.errors import Conflict, PermissionDenied, ValidationFailed
from gridgov.party import services
from gridgov.party.models import MemberStatus, MemberTransfer, PartyEvent, PartyMember
from gridgov.party.tests.conftest import api
from gridgov.rosters import idnumbers
from gridgov.rosters.models import Resident


def test_member_is_stored_protected(orgs, staff, new_id):
    number = new_id()
    member = services.member_create(
        actor=staff,
        org=orgs.branch1,
        name="王建国",
        id_number=number,
        phone="13912345678",
        status=MemberStatus.FULL,
        joined_on=date(2005, 7, 1),
        confirmed_on=date(2006, 7, 1),
    )
    assert member.id_number_hash == crypto.keyed_hash(number)
    assert member.id_number_masked == crypto.mask_id_number(number)
    assert number not in member.id_number_enc
    assert member.phone_masked == "139****5678"
    assert member.area_path == orgs.branch1.area_path
    assert member.birth_date == idnumbers.parse_id(number).birth_date
    assert PartyEvent.objects.filter(kind="member_created", member=member).exists()


def test_duplicate_id_number_is_refused(orgs, staff, add_member, new_id):
    number = new_id()
    add_member(orgs.branch1, id_number=number)
    with pytest.raises(ValidationFailed) as exc:
        services.member_create(
            actor=staff,
            org=orgs.branch2,
            name="重复",
            id_number=number.lower(),
            status=MemberStatus.FULL,
            joined_on=date(2010, 1, 1),
        )
    assert exc.value.code == "duplicate_id_number" and "id_number" in exc.value.fields
    assert PartyMember.objects.count() == 1


def test_invalid_id_number_is_refused_on_its_field(orgs, staff):
    with pytest.raises(ValidationFailed) as exc:
        services.member_create(
            actor=staff,
            org=orgs.branch1,
            name="错号",
            id_number="640104199001011235",
            status=MemberStatus.FULL,
            joined_on=date(2010, 1, 1),
        )
    assert "id_number" in exc.value.fields
    assert not PartyMember.objects.exists()


def test_joining_under_18_is_refused(orgs, staff, new_id):
    birth = date(2000, 5, 5)
    with pytest.raises(ValidationFailed) as exc:
        services.member_create(
            actor=staff,
            org=orgs.branch1,
            name="少年",
            id_number=new_id(birth),
            status=MemberStatus.PROBATIONARY,
            joined_on=date(2017, 5, 5),
        )
    assert exc.value.code == "too_young"


def test_member_is_linked_to_the_roster_resident_with_the_same_id(orgs, staff, tree, new_id):
    number = new_id()
    facts = idnumbers.parse_id(number)
    resident = Resident.objects.create(
        area=tree.grid1,
        area_path=tree.grid1.path,
        name="王建国",
        gender=facts.gender,
        birth_date=facts.birth_date,
        residence_type="registered",
        **idnumbers.protected_id(number),
    )
    member = services.member_create(
        actor=staff,
        org=orgs.branch1,
        name="王建国",
        id_number=number,
        status=MemberStatus.FULL,
        joined_on=date(2005, 7, 1),
    )
    assert member.resident_id == resident.pk


def test_probationary_member_becomes_full_after_a_year(orgs, staff, add_member):
    member = add_member(orgs.branch1, probationary=True)
    early = member.joined_on + timedelta(days=200)
    with pytest.raises(ValidationFailed) as exc:
        services.member_confirm(actor=staff, member=member, on=early, version=member.version)
    assert "on" in exc.value.fields
    member.refresh_from_db()
    assert member.status == MemberStatus.PROBATIONARY
    # Back-date the joining so that a year has passed.
    PartyMember.objects.filter(pk=member.pk).update(joined_on=date(2020, 3, 1))
    member.refresh_from_db()
    member = services.member_confirm(
        actor=staff, member=member, on=date(2021, 3, 1), version=member.version
    )
    assert member.status == MemberStatus.FULL and member.confirmed_on == date(2021, 3, 1)
    assert PartyEvent.objects.filter(kind="member_confirmed", member=member).exists()


def test_a_full_member_cannot_be_confirmed_again(orgs, staff, add_member):
    member = add_member(orgs.branch1)
    with pytest.raises(Conflict):
        services.member_confirm(
            actor=staff, member=member, on=timezone.localdate(), version=member.version
        )


def test_stale_version_is_refused(orgs, staff, add_member):
    member = add_member(orgs.branch1)
    with pytest.raises(Conflict) as exc:
        services.member_update(actor=staff, member=member, version=member.version + 5, name="新名")
    assert exc.value.code == "stale_version"
    member.refresh_from_db()
    assert member.name == "党员甲"


def test_transfer_keeps_history(orgs, staff, add_member):
    member = add_member(orgs.branch1)
    on = timezone.localdate()
    services.member_transfer(actor=staff, member=member, to_org=orgs.branch2, on=on, reason="搬家")
    member.refresh_from_db()
    assert member.org == orgs.branch2 and member.area_path == orgs.branch2.area_path
    transfer = MemberTransfer.objects.get(member=member)
    assert (transfer.from_org, transfer.to_org, transfer.on) == (orgs.branch1, orgs.branch2, on)
    kinds = set(PartyEvent.objects.filter(member=member).values_list("kind", flat=True))
    assert {"member_transferred_out", "member_transferred_in"} <= kinds


def test_transfer_needs_manage_at_both_organisations(orgs, staff, add_member):
    member = add_member(orgs.branch1)
    with pytest.raises(PermissionDenied):
        services.member_transfer(
            actor=staff, member=member, to_org=orgs.village, on=timezone.localdate()
        )
    member.refresh_from_db()
    assert member.org == orgs.branch1
    assert not MemberTransfer.objects.exists()


def test_transfer_between_communities_by_a_leader_above_both(orgs, leader, add_member):
    member = add_member(orgs.branch1)
    services.member_transfer(
        actor=leader, member=member, to_org=orgs.village, on=timezone.localdate()
    )
    member.refresh_from_db()
    assert member.org == orgs.village


def test_member_list_page_is_masked(client, orgs, staff, add_member, new_id):
    number = new_id()
    add_member(orgs.branch1, "李四", id_number=number, phone="13912345678")
    client.force_login(staff)
    html = client.get(reverse("party:member_list")).content.decode()
    assert "李四" in html
    assert number not in html and "13912345678" not in html
    assert crypto.mask_id_number(number) in html and "139****5678" in html


def test_member_detail_is_masked_and_unmasks_with_a_reason(client, orgs, staff, add_member, new_id):
    number = new_id()
    member = add_member(orgs.branch1, id_number=number, phone="13912345678")
    client.force_login(staff)
    url = reverse("party:member_detail", args=[member.pk])
    assert number not in client.get(url).content.decode()
    unmask = reverse("party:member_unmask", args=[member.pk])
    refused = client.post(unmask, {"reason": ""})
    assert refused.status_code == 400 and number not in refused.content.decode()
    assert not AuditEntry.objects.filter(event=Event.PERSONAL_DATA_VIEWED).exists()
    shown = client.post(unmask, {"reason": "核对组织关系转接"})
    assert number in shown.content.decode()
    entry = AuditEntry.objects.get(event=Event.PERSONAL_DATA_VIEWED)
    assert entry.target_id == str(member.pk) and number not in str(entry.detail)


def test_grid_worker_cannot_unmask(client, orgs, worker, add_member, new_id):
    number = new_id()
    member = add_member(orgs.branch1, id_number=number)
    client.force_login(worker)
    response = client.post(reverse("party:member_unmask", args=[member.pk]), {"reason": "看看"})
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(event=Event.PERSONAL_DATA_VIEWED).exists()


def test_member_of_another_community_is_404(client, orgs, other_staff, add_member):
    member = add_member(orgs.branch1)
    client.force_login(other_staff)
    assert client.get(reverse("party:member_detail", args=[member.pk])).status_code == 404
    assert "党员甲" not in client.get(reverse("party:member_list")).content.decode()


def test_api_member_list_is_masked_and_scoped(client, orgs, staff, other_staff, add_member, new_id):
    number = new_id()
    add_member(orgs.branch1, id_number=number, phone="13912345678")
    body = api(client, "get", "/api/v1/party/members", staff).content.decode()
    assert number not in body and "13912345678" not in body
    assert crypto.mask_id_number(number) in body
    assert api(client, "get", "/api/v1/party/members", other_staff).json()["count"] == 0


def test_api_search_by_exact_id_number(client, orgs, staff, add_member, new_id):
    number = new_id()
    add_member(orgs.branch1, "甲", id_number=number)
    add_member(orgs.branch1, "乙")
    data = api(client, "get", f"/api/v1/party/members?q={number}", staff).json()
    assert [m["name"] for m in data["items"]] == ["甲"]


def test_api_duplicate_member_is_400_and_changes_nothing(client, orgs, staff, add_member, new_id):
    number = new_id()
    add_member(orgs.branch1, id_number=number)
    body = {
        "org_id": orgs.branch2.pk,
        "name": "重复",
        "id_number": number,
        "status": "full",
        "joined_on": "2010-01-01",
    }
    response = api(client, "post", "/api/v1/party/members", staff, body)
    assert response.status_code == 400
    assert response.json()["code"] == "duplicate_id_number"
    assert number not in response.content.decode()
    assert PartyMember.objects.count() == 1


def test_api_unmask(client, orgs, staff, add_member, new_id):
    number = new_id()
    member = add_member(orgs.branch1, id_number=number)
    url = f"/api/v1/party/members/{member.pk}/unmask"
    assert api(client, "post", url, staff, {"reason": "核对"}).json()["id_number"] == number


def test_api_transfer(client, orgs, staff, add_member):
    member = add_member(orgs.branch1)
    body = {"to_org_id": orgs.group1.pk, "on": timezone.localdate().isoformat()}
    response = api(client, "post", f"/api/v1/party/members/{member.pk}/transfer", staff, body)
    assert response.status_code == 200 and response.json()["org_id"] == orgs.group1.pk
    history = api(client, "get", f"/api/v1/party/members/{member.pk}/transfers", staff).json()
    assert history[0]["from_org_id"] == orgs.branch1.pk


def test_confirm_page(client, orgs, staff, add_member):
    member = add_member(orgs.branch1, probationary=True)
    client.force_login(staff)
    response = client.post(
        reverse("party:member_confirm", args=[member.pk]),
        {"on": timezone.localdate().isoformat(), "version": member.version},
    )
    assert response.status_code == 400  # only ~100 days of probation
    member.refresh_from_db()
    assert member.status == MemberStatus.PROBATIONARY


def test_api_leave_by_a_grid_worker_is_403_and_changes_nothing(client, orgs, worker, add_member):
    member = add_member(orgs.branch1)
    body = {"on": timezone.localdate().isoformat(), "reason": "迁出"}
    response = api(client, "post", f"/api/v1/party/members/{member.pk}/leave", worker, body)
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.is_active


def test_api_leave(client, orgs, staff, add_member):
    member = add_member(orgs.branch1)
    body = {"on": timezone.localdate().isoformat(), "reason": "迁出"}
    response = api(client, "post", f"/api/v1/party/members/{member.pk}/leave", staff, body)
    assert response.status_code == 200 and response.json()["is_active"] is False


def test_a_resident_registered_later_is_linked(orgs, tree, add_member, new_id):
    number = new_id()
    member = add_member(orgs.branch1, id_number=number)
    facts = idnumbers.parse_id(number)
    resident = Resident.objects.create(
        area=tree.grid1,
        area_path=tree.grid1.path,
        name="党员甲",
        gender=facts.gender,
        birth_date=facts.birth_date,
        residence_type="registered",
        **idnumbers.protected_id(number),
    )
    assert services.member_link_resident(resident=resident) == 1
    member.refresh_from_db()
    assert member.resident_id == resident.pk
