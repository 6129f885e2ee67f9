"""The demo district: deterministic, codes by the national rules, grids tiling their
communities, an account for every role, and built only once."""

from __future__ import annotations

import pytest
import shapely
from django.core.management import call_command
from shapely.geometry import shape

from gridgov.accounts.models import Department, RoleGrant, User
from gridgov.accounts.roles import ROLE_LEVELS, Role
from gridgov.accounts.services import auth_login
from gridgov.areas.codes import Level, validate_code
from gridgov.areas.geo import find_overlaps
from gridgov.areas.models import Area
from gridgov.core.errors import Conflict
from gridgov.demo.generator import (
    DEMO_COUNTY_CODE,
    DEMO_PASSWORD,
    build_demo,
    demo_accounts,
    demo_exists,
    plan_demo,
)
from gridgov.demo.layout import town_shape_for


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    # Argon2 costs ~0.2 s a hash; the build logic is the same with a fast hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _snapshot(plan):
    return [(a.code, a.name, a.level, a.parent, a.geometry) for a in plan.areas]


def test_plan_is_deterministic():
    assert _snapshot(plan_demo()) == _snapshot(plan_demo())
    assert plan_demo().grid_workers == plan_demo().grid_workers


def test_another_seed_gives_other_boundaries():
    a, b = plan_demo(seed=1), plan_demo(seed=2)
    assert len(a.grids) == len(b.grids) == 80
    assert [x.geometry for x in a.grids] != [x.geometry for x in b.grids]


def test_default_plan_has_the_documented_shape():
    plan = plan_demo()
    by_code = {a.code: a for a in plan.areas}
    assert by_code["64"].name == "宁夏回族自治区"
    assert by_code["6401"].name == "银川市"
    assert by_code[DEMO_COUNTY_CODE].name == "凤城区"
    towns = {a.code: a.name for a in plan.areas if a.level == Level.TOWN}
    assert towns == {
        "640110001": "凤鸣街道",
        "640110002": "湖滨街道",
        "640110100": "金沙镇",
        "640110101": "丰登镇",
    }
    assert by_code["640110001001"].name == "凤鸣社区"
    assert by_code["640110100201"].name == "金沙村"
    communities = [a for a in plan.areas if a.level == Level.COMMUNITY]
    assert 10 <= len(communities) <= 16
    assert len(plan.grids) == 80
    # Exactly one residents' committee sits in a town (镇).
    in_towns = [c for c in communities if c.code[6:9] >= "100"]
    assert [c.code for c in in_towns if int(c.code[9:]) < 200] == ["640110100001"]


def test_every_code_follows_the_national_rules():
    plan = plan_demo(grids=500)
    seen = set()
    for a in plan.areas:
        info = validate_code(a.code, a.level, a.parent)
        assert info.code == a.code
        seen.add(a.code)
    assert len(seen) == len(plan.areas)
    assert len(plan.grids) == 500


def test_grids_tile_their_community_without_overlaps():
    plan = plan_demo()
    by_parent: dict[str, list] = {}
    for g in plan.grids:
        by_parent.setdefault(g.parent, []).append(g)
    communities = {a.code: a for a in plan.areas if a.level == Level.COMMUNITY}
    assert set(by_parent) == set(communities)
    for code, grids in by_parent.items():
        outline = shape(communities[code].geometry)
        polys = [shape(g.geometry) for g in grids]
        assert all(p.is_valid and p.geom_type == "Polygon" for p in polys)
        assert all(p.difference(outline).area < 1e-12 for p in polys)
        assert abs(shapely.union_all(polys).area - outline.area) < 1e-12
        for g in grids:
            others = [(o.code, o.name, o.geometry) for o in grids if o.code != g.code]
            assert find_overlaps(shape(g.geometry), others) == []


def test_towns_and_county_are_the_union_of_their_children():
    plan = plan_demo()
    for parent in [a for a in plan.areas if a.level in (Level.COUNTY, Level.TOWN)]:
        children = [shape(c.geometry) for c in plan.areas if c.parent == parent.code]
        outline = shape(parent.geometry)
        assert outline.is_valid and outline.geom_type == "Polygon"
        assert shapely.union_all(children).symmetric_difference(outline).area < 1e-12


def test_large_plans_grow_towns_and_stay_tiled():
    plan = plan_demo(grids=2500)
    assert len(plan.grids) == 2500
    towns = [a for a in plan.areas if a.level == Level.TOWN]
    assert len(towns) == -(-2500 // town_shape_for(2500).cells)
    polys = [shape(g.geometry) for g in plan.grids]
    tree = shapely.STRtree(polys)
    left, right = tree.query(polys, predicate="overlaps")
    assert (
        max(
            (polys[i].intersection(polys[j]).area for i, j in zip(left, right, strict=True)),
            default=0,
        )
        < 1e-12
    )


def test_every_role_has_an_account_at_an_allowed_level():
    accounts = demo_accounts()
    assert {a.role for a in accounts} == set(Role.values)
    levels = {a.code: a.level for a in plan_demo().areas}
    for a in accounts:
        low, high = ROLE_LEVELS[a.role]
        assert low <= levels[a.area] <= high, a.username


def test_build_writes_exactly_the_plan(db):
    build_demo()
    plan = plan_demo()
    stored = {
        a.code: (a.name, a.level, a.parent.code if a.parent else None, a.geometry)
        for a in Area.objects.select_related("parent")
    }
    expected = {a.code: (a.name, a.level, a.parent, a.geometry) for a in plan.areas}
    assert set(stored) == set(expected)
    for code, (name, level, parent, geometry) in expected.items():
        s_name, s_level, s_parent, s_geometry = stored[code]
        assert (s_name, s_level, s_parent) == (name, level, parent)
        if geometry is not None:
            assert shape(s_geometry).equals_exact(shape(geometry), 1e-9)


def test_build_creates_every_demo_account_with_the_demo_password(db):
    build_demo()
    for spec in demo_accounts():
        grant = RoleGrant.objects.select_related("area", "department").get(
            user__username=spec.username
        )
        assert (grant.role, grant.area.code) == (spec.role, spec.area)
        assert (grant.department.name if grant.department else None) == spec.department
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert auth_login(login="gridworker", password=DEMO_PASSWORD).username == "gridworker"
    grids = Area.objects.filter(level=Level.GRID)
    assert (
        RoleGrant.objects.filter(role=Role.GRID_WORKER, area__in=grids)
        .values("area")
        .distinct()
        .count()
        == grids.count()
    )
    assert Department.objects.count() == 5


def test_second_build_is_refused_and_changes_nothing(db, capsys):
    assert not demo_exists()
    build_demo()
    assert demo_exists()
    counts = (Area.objects.count(), User.objects.count(), RoleGrant.objects.count())
    with pytest.raises(Conflict):
        build_demo()
    call_command("demo_build")
    assert DEMO_COUNTY_CODE in capsys.readouterr().out  # "… already exists; nothing to do."
    assert (Area.objects.count(), User.objects.count(), RoleGrant.objects.count()) == counts


def test_bulk_build_sets_paths_depths_and_kinds_like_the_services(db):
    build_demo(grids=60, bulk=True)
    areas = {a.pk: a for a in Area.objects.all()}
    for a in areas.values():
        parent = areas.get(a.parent_id)
        assert a.path == (parent.path if parent else "") + f"{a.pk}/"
        assert a.depth == (parent.depth + 1 if parent else 0)
        assert a.kind == validate_code(a.code, a.level, parent.code if parent else None).kind
        if a.level >= Level.COUNTY:
            assert a.geometry is not None and a.center_lon is not None
    assert Area.objects.filter(level=Level.GRID).count() == 60
    assert User.objects.count() == 60 + len(demo_accounts()) - 1


@pytest.mark.django_db
def test_demo_cases_walk_the_lifecycle_through_the_services() -> None:
    from gridgov.cases.models import Case, CaseEvent, CaseStat
    from gridgov.cases.states import Status

    result = build_demo(cases=60)
    # 60, and the work waiting for the named accounts (gridgov.demo.waiting).
    assert 60 < result.cases <= 70
    assert Case.objects.count() == result.cases
    statuses = set(Case.objects.values_list("status", flat=True))
    assert len(statuses) >= 4
    assert statuses & {Status.CLOSED, Status.RATED}
    # Every case has its report entry; indicators were maintained along the way.
    assert CaseEvent.objects.filter(action="report").count() == result.cases
    assert CaseStat.objects.filter(reported__gt=0).exists()
    # The demo grid worker (凤鸣社区第一网格) has reports to verify on site and a resolved case
    # to check on site (核查).
    from gridgov.accounts.models import User
    from gridgov.cases import selectors

    counts = selectors.queue_counts(actor=User.objects.get(username="gridworker"))
    assert counts["to_check"] >= 3
    assert counts["to_verify"] >= 1


@pytest.mark.django_db
def test_demo_inboxes_start_with_a_digest_not_a_flood() -> None:
    from gridgov.cases.models import Case
    from gridgov.cases.states import Status
    from gridgov.notifications.models import Notification

    build_demo(cases=240)
    overdue = Case.objects.filter(
        status__in=[Status.ASSIGNED, Status.IN_PROGRESS], sign_overdue=True
    ) | Case.objects.filter(status=Status.IN_PROGRESS, handle_overdue=True)
    assert overdue.exists()  # the demo has overdue cases to show …
    unread = Notification.objects.filter(read_at__isnull=True)
    dispatcher, leader = (
        User.objects.get(username="dispatcher"),
        User.objects.get(username="leader"),
    )
    # … as one digest for the dispatcher, next to the cases still to verify.
    assert unread.filter(recipient=dispatcher, kind="case.overdue_digest").count() == 1
    to_verify = Case.objects.filter(status=Status.RESOLVED).count()
    assert unread.filter(recipient=dispatcher).count() <= 1 + to_verify < 40
    assert not unread.filter(kind__in=["case.sign_overdue", "case.handle_overdue"]).exists()
    assert not unread.filter(recipient=leader).exists()
