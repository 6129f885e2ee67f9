"""The jurisdiction-scoping layer: a role at an area covers that subtree and nothing else."""

from __future__ import annotations

import pytest

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm, Role
from gridgov.areas.models import Area


def codes(qs):
    return sorted(a.code for a in qs)


def test_grid_worker_sees_only_their_grid(tree, make_user):
    user = make_user("gw", (Role.GRID_WORKER, tree.grid1))
    assert codes(scoping.visible_areas(user)) == [tree.grid1.code]
    assert scoping.can(user, Perm.VIEW_AREA, tree.grid1)
    assert not scoping.can(user, Perm.VIEW_AREA, tree.grid2)
    assert not scoping.can(user, Perm.VIEW_AREA, tree.community)


def test_street_dispatcher_sees_the_street_subtree(tree, make_user):
    user = make_user("dp", (Role.DISPATCHER, tree.street))
    assert codes(scoping.visible_areas(user)) == sorted(
        [tree.street.code, tree.community.code, tree.grid1.code, tree.grid2.code]
    )


def test_several_grants_union_and_nested_grants_collapse(tree, make_user):
    user = make_user(
        "multi",
        (Role.GRID_WORKER, tree.grid1),
        (Role.COMMUNITY_STAFF, tree.community),
        (Role.COMMUNITY_STAFF, tree.village),
    )
    assert scoping.jurisdiction_paths(user) == sorted([tree.community.path, tree.village.path])
    assert tree.grid3.code in codes(scoping.visible_areas(user))
    assert tree.town.code not in codes(scoping.visible_areas(user))


def test_permissions_follow_the_role(tree, make_user):
    leader = make_user("ld", (Role.LEADER, tree.county))
    admin = make_user("ad", (Role.ADMIN, tree.street))
    assert scoping.can(leader, Perm.VIEW_STAFF, tree.grid3)
    assert not scoping.can(leader, Perm.MANAGE_USERS, tree.grid3)
    assert scoping.can(admin, Perm.MANAGE_AREA, tree.grid1)
    assert not scoping.can(admin, Perm.MANAGE_AREA, tree.grid3)


def test_user_without_roles_sees_nothing(tree, make_user):
    user = make_user("none")
    assert scoping.visible_areas(user).count() == 0
    assert not scoping.can(user, Perm.VIEW_AREA, tree.province)


def test_superuser_sees_everything(tree, make_user):
    root = make_user("root", is_superuser=True)
    assert scoping.visible_areas(root).count() == Area.objects.count()


def test_inactive_user_sees_nothing(tree, make_user):
    user = make_user("off", (Role.LEADER, tree.county), is_active=False)
    assert scoping.visible_areas(user).count() == 0


@pytest.mark.parametrize("field", ["path", "area__path"])
def test_scope_works_through_a_relation(tree, make_user, field):
    from gridgov.accounts.models import RoleGrant

    user = make_user("s", (Role.ADMIN, tree.town))
    other = make_user("o", (Role.GRID_WORKER, tree.grid1), (Role.GRID_WORKER, tree.grid3))
    if field == "area__path":
        qs = scoping.scope(
            RoleGrant.objects.filter(user=other), user, Perm.VIEW_AREA, path_field=field
        )
        assert [g.area.code for g in qs] == [tree.grid3.code]
    else:
        assert tree.grid3.code in codes(scoping.scope(Area.objects.all(), user))
