"""The grid portrait: counts per subtree, what each role may see, and scoping (404 elsewhere)."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gridgov.cases.models import Case, Category
from gridgov.core.errors import NotFound
from gridgov.party.models import OrgKind, PartyMember, PartyOrg
from gridgov.rosters.idnumbers import protected_id
from gridgov.rosters.selectors_portrait import portrait_for
from gridgov.rosters.services.staff import staff_assign
from gridgov.rosters.tests import places_support as sup

_n = itertools.count(500)


@pytest.fixture
def worker(tree, make_user):
    return make_user("worker", ("grid_worker", tree.grid1))


@pytest.fixture
def populated(tree, worker):
    """grid1: 3 households (2 resident, 1 floating), 4 living + 1 moved out, tags of a
    sensitive and a plain type (plus an ended one), a post, a party member, a case; grid2: one
    of each that must not be counted."""
    h1 = sup.household(area=tree.grid1)
    h2 = sup.household(area=tree.grid1)
    h3 = sup.household(area=tree.grid1, household_type="floating")
    r1 = sup.resident(household=h1)
    r2 = sup.resident(household=h1)
    sup.resident(household=h2)
    sup.resident(household=h3)
    sup.resident(household=h3, status="moved_out")
    dibao = sup.tag_type("t_sensitive", sensitive=True)
    elderly = sup.tag_type("t_plain", sensitive=False)
    sup.tag(resident=r1, tag_type=dibao)
    sup.tag(resident=r1, tag_type=elderly)
    sup.tag(resident=r2, tag_type=elderly)
    sup.tag(resident=r2, tag_type=dibao, end_on=date(2024, 6, 1))
    far = sup.household(area=tree.grid2)
    far_r = sup.resident(household=far)
    sup.tag(resident=far_r, tag_type=elderly)
    staff_assign(
        actor=None, user=worker, post="full_time", area=tree.grid1, start_on=date(2025, 1, 1)
    )
    org = PartyOrg.objects.create(
        name="网格一支部", kind=OrgKind.BRANCH, area=tree.grid1, area_path=tree.grid1.path
    )
    PartyMember.objects.create(
        org=org,
        area_path=tree.grid1.path,
        name="党员甲",
        gender="M",
        birth_date=date(1970, 1, 1),
        status="full",
        joined_on=date(2000, 7, 1),
        **protected_id(sup.id_number(next(_n), "19700101")),
    )
    return {"dibao": dibao, "elderly": elderly}


def make_case(area: Any, title: str) -> Case:
    n = next(_n)
    return Case.objects.create(
        number=f"P{n:08d}",
        source="patrol",
        category=Category.objects.order_by("pk").first(),
        title=title,
        area=area,
        reported_at=datetime(2026, 3, 4, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
    )


def test_portrait_counts_the_grid(tree, worker, populated):
    p = portrait_for(actor=worker, area=tree.grid1)
    assert (p.households, p.residents) == (3, 4)
    assert {t.code: t.count for t in p.household_types}["floating"] == 1
    assert {t.code: t.count for t in p.household_types}["resident"] == 2
    counts = {g.tag_type.code: g.count for g in p.special_groups}
    assert (counts["t_sensitive"], counts["t_plain"]) == (1, 2)
    assert [s.user for s in p.staff] == [worker]
    assert p.party_members == 1


def test_portrait_of_the_community_sums_its_grids(tree, make_user, populated):
    staff = make_user("staff", ("community_staff", tree.community))
    p = portrait_for(actor=staff, area=tree.community)
    assert (p.households, p.residents) == (4, 5)


def test_sensitive_groups_are_hidden_without_roster_sensitive(tree, make_user, populated):
    chief = make_user("bc", ("building_chief", tree.grid1))
    p = portrait_for(actor=chief, area=tree.grid1)
    codes = {g.tag_type.code for g in p.special_groups}
    assert "t_plain" in codes
    assert "t_sensitive" not in codes
    assert all(not g.tag_type.sensitive for g in p.special_groups)
    assert p.sees_sensitive is False


def test_party_and_cases_need_their_permissions(tree, make_user, populated):
    chief = make_user("bc", ("building_chief", tree.grid1))
    p = portrait_for(actor=chief, area=tree.grid1)
    assert p.party_members is None
    assert p.recent_cases is None


def test_recent_cases_are_the_grids_newest_ten(tree, worker, populated):
    for i in range(12):
        make_case(tree.grid1, f"网格一事件{i}")
    make_case(tree.grid2, "别处事件")
    p = portrait_for(actor=worker, area=tree.grid1)
    assert p.recent_cases is not None
    assert len(p.recent_cases) == 10
    assert all(c.area_id == tree.grid1.pk for c in p.recent_cases)


def test_another_grids_worker_gets_not_found(tree, make_user, populated):
    other = make_user("other", ("grid_worker", tree.grid2))
    with pytest.raises(NotFound):
        portrait_for(actor=other, area=tree.grid1)


def test_portrait_query_count_does_not_grow_with_data(tree, worker, populated):
    portrait_for(actor=worker, area=tree.grid1)  # the actor's grants are cached on first use
    with CaptureQueriesContext(connection) as before:
        portrait_for(actor=worker, area=tree.grid1)
    for _i in range(5):
        sup.resident(household=sup.household(area=tree.grid1))
    with CaptureQueriesContext(connection) as after:
        portrait_for(actor=worker, area=tree.grid1)
    assert len(after.captured_queries) == len(before.captured_queries)


# --- Page -------------------------------------------------------------------------------------


def test_portrait_page_shows_the_counts(client, tree, worker, populated):
    client.force_login(worker)
    response = client.get(reverse("rosters:portrait", args=[tree.grid1.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="portrait-households">3<' in html
    assert 'data-testid="portrait-residents">4<' in html
    assert populated["dibao"].name in html


def test_portrait_page_of_another_grid_is_404(client, tree, make_user, populated):
    other = make_user("other", ("grid_worker", tree.grid2))
    client.force_login(other)
    assert client.get(reverse("rosters:portrait", args=[tree.grid1.pk])).status_code == 404


def test_portrait_page_hides_sensitive_group_names(client, tree, make_user, populated):
    chief = make_user("bc", ("building_chief", tree.grid1))
    client.force_login(chief)
    html = client.get(reverse("rosters:portrait", args=[tree.grid1.pk])).content.decode()
    assert populated["dibao"].name not in html
    assert populated["elderly"].name in html
