"""Organisation tree rules, scoping of the tree and the organisation pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gridgov.core.errors import Conflict, PermissionDenied, ValidationFailed
from gridgov.party import services
from gridgov.party.models import OrgKind, PartyEvent, PartyOrg
from gridgov.party.tests.conftest import api


def test_a_party_group_hangs_under_a_branch(orgs, staff, tree):
    org = services.org_create(
        actor=staff, name="2号楼党小组", kind=OrgKind.GROUP, area=tree.grid1, parent=orgs.branch1
    )
    assert org.parent == orgs.branch1 and org.area_path == tree.grid1.path
    assert PartyEvent.objects.filter(kind="org_created", org=org).exists()


@pytest.mark.parametrize("parent_attr", ["committee", "group1", None])
def test_a_party_group_is_refused_elsewhere(orgs, staff, tree, parent_attr):
    before = PartyOrg.objects.count()
    parent = getattr(orgs, parent_attr) if parent_attr else None
    with pytest.raises(ValidationFailed) as exc:
        services.org_create(
            actor=staff, name="小组", kind=OrgKind.GROUP, area=tree.grid1, parent=parent
        )
    assert "parent" in exc.value.fields
    assert PartyOrg.objects.count() == before


def test_a_committee_cannot_hang_under_a_branch(orgs, staff, tree):
    with pytest.raises(ValidationFailed):
        services.org_create(
            actor=staff, name="党委", kind=OrgKind.COMMITTEE, area=tree.grid1, parent=orgs.branch1
        )


def test_child_area_must_lie_inside_the_parents_area(orgs, staff, tree):
    with pytest.raises(ValidationFailed) as exc:
        services.org_create(
            actor=staff, name="党小组", kind=OrgKind.GROUP, area=tree.grid2, parent=orgs.branch1
        )
    assert exc.value.code == "area_outside_parent"


def test_duplicate_sibling_name_is_refused(orgs, staff, tree):
    with pytest.raises(ValidationFailed) as exc:
        services.org_create(
            actor=staff,
            name="网格一党支部",
            kind=OrgKind.BRANCH,
            area=tree.grid1,
            parent=orgs.committee,
        )
    assert exc.value.code == "duplicate_name"


def test_grid_worker_cannot_create_and_nothing_changes(orgs, worker, tree):
    before = PartyOrg.objects.count()
    with pytest.raises(PermissionDenied):
        services.org_create(
            actor=worker, name="小组", kind=OrgKind.GROUP, area=tree.grid1, parent=orgs.branch1
        )
    assert PartyOrg.objects.count() == before


def test_other_communitys_staff_cannot_create_under_our_committee(orgs, other_staff, tree):
    with pytest.raises(PermissionDenied):
        services.org_create(
            actor=other_staff,
            name="支部",
            kind=OrgKind.BRANCH,
            area=tree.village,
            parent=orgs.committee,
        )


def test_deactivating_an_org_with_members_is_refused(orgs, staff, add_member):
    add_member(orgs.branch2)
    with pytest.raises(Conflict):
        services.org_update(actor=staff, org=orgs.branch2, is_active=False)
    orgs.branch2.refresh_from_db()
    assert orgs.branch2.is_active


def test_index_shows_the_tree_with_member_counts(client, orgs, staff, add_member):
    add_member(orgs.group1, "甲")
    add_member(orgs.branch1, "乙")
    client.force_login(staff)
    response = client.get(reverse("party:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "凤鸣社区党委" in html and "1号楼党小组" in html
    assert "金沙村党支部" not in html
    tree = response.context["tree"]
    counts = {n.org.name: n.members for n in tree.nodes}
    assert (
        counts["凤鸣社区党委"] == 2 and counts["网格一党支部"] == 2 and counts["1号楼党小组"] == 1
    )


def test_other_community_sees_nothing_of_ours(client, orgs, other_staff):
    client.force_login(other_staff)
    html = client.get(reverse("party:index")).content.decode()
    assert "凤鸣社区党委" not in html
    assert client.get(reverse("party:org_detail", args=[orgs.committee.pk])).status_code == 404


def test_user_without_party_role_gets_403(client, make_user, orgs):
    client.force_login(make_user("nobody"))
    assert client.get(reverse("party:index")).status_code == 403


def test_org_create_page_shows_chinese_field_error(client, orgs, staff, tree):
    client.force_login(staff)
    client.cookies["django_language"] = "zh-hans"
    response = client.post(
        reverse("party:org_create"),
        {"kind": OrgKind.GROUP, "name": "小组", "area": tree.grid1.pk, "parent": orgs.committee.pk},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["parent"]
    assert not PartyOrg.objects.filter(name="小组").exists()


def test_org_create_page_creates(client, orgs, staff, tree):
    client.force_login(staff)
    response = client.post(
        reverse("party:org_create"),
        {
            "kind": OrgKind.GROUP,
            "name": "3号楼党小组",
            "area": tree.grid1.pk,
            "parent": orgs.branch1.pk,
        },
    )
    org = PartyOrg.objects.get(name="3号楼党小组")
    assert response.status_code == 302 and response["Location"] == reverse(
        "party:org_detail", args=[org.pk]
    )


def test_api_tree_is_scoped(client, orgs, other_staff):
    data = api(client, "get", "/api/v1/party/orgs/tree", other_staff).json()
    assert [r["name"] for r in data["roots"]] == ["金沙村党支部"]


def test_api_org_outside_is_404(client, orgs, other_staff):
    response = api(client, "get", f"/api/v1/party/orgs/{orgs.branch1.pk}", other_staff)
    assert response.status_code == 404


def test_api_create_org(client, orgs, staff, tree):
    body = {
        "name": "2号楼党小组",
        "kind": "group",
        "area_id": tree.grid1.pk,
        "parent_id": orgs.branch1.pk,
    }
    response = api(client, "post", "/api/v1/party/orgs", staff, body)
    assert response.status_code == 201, response.content
    assert response.json()["kind_label"]


def test_api_create_by_worker_is_403(client, orgs, worker, tree):
    body = {
        "name": "2号楼党小组",
        "kind": "group",
        "area_id": tree.grid1.pk,
        "parent_id": orgs.branch1.pk,
    }
    before = PartyOrg.objects.count()
    assert api(client, "post", "/api/v1/party/orgs", worker, body).status_code == 403
    assert PartyOrg.objects.count() == before
